import type { ExternalDescription, ExternalMultiple, ExternalSingle, ExternalValue } from '@gatehouse/shared';
import { createContext, type ReactNode, useContext } from 'react';
import { Button } from '../../components/ui/button';
import { CheckboxField, SelectField, TextField } from '../../components/ui/form-field';
import {
  type Draft,
  fieldPath,
  initialDraft,
  isNumeric,
  type MultipleDraft,
  type SingleDraft,
  type ValueDraft,
} from './params-draft';

/** "required", "optional" or "default: …", as the documentation says it. */
function presenceText(d: ExternalDescription): string {
  if (d.presence === 'required') return 'required';
  if (d.presence === 'optional') return 'optional';
  return `default ${JSON.stringify(d.default)}`;
}

function typeText(d: ExternalDescription): string {
  if (d.kind === 'value') return `${d.type}${d.allowNull ? ' or null' : ''}`;
  if (d.kind === 'single') return 'object';
  return 'list';
}

function Hint({ desc, extra }: { desc: ExternalDescription; extra?: string }) {
  return (
    <>
      <span className="font-mono text-xs">
        {typeText(desc)} · {presenceText(desc)}
      </span>
      {desc.desc && <span className="block">{desc.desc}</span>}
      {extra && <span className="block text-xs text-slate-500">{extra}</span>}
    </>
  );
}

/** The paths of the required values left empty (the test client's check before sending). */
const NONE_MISSING: ReadonlySet<string> = new Set();
const MissingFields = createContext(NONE_MISSING);

const Name = ({ children }: { children: ReactNode }) => <code className="font-mono">{children}</code>;

function ValueField({
  name,
  path,
  desc,
  draft,
  onChange,
}: {
  name: string;
  path: string;
  desc: ExternalValue;
  draft: ValueDraft;
  onChange: (d: ValueDraft) => void;
}) {
  const missing = useContext(MissingFields).has(path) && draft.text.trim() === '';
  const optional = desc.presence !== 'required';
  if (desc.type === 'bool') {
    if (desc.presence === 'optional') {
      return (
        <SelectField
          label={<Name>{name}</Name>}
          value={draft.bool === null ? '' : String(draft.bool)}
          onChange={(e) => onChange({ ...draft, bool: e.target.value === '' ? null : e.target.value === 'true' })}
          hint={<Hint desc={desc} />}
          className="max-w-xs"
        >
          <option value="">(leave out)</option>
          <option value="true">true</option>
          <option value="false">false</option>
        </SelectField>
      );
    }
    return (
      <CheckboxField
        label={<Name>{name}</Name>}
        checked={draft.bool ?? false}
        onChange={(e) => onChange({ ...draft, bool: e.target.checked })}
        hint={<Hint desc={desc} />}
      />
    );
  }
  const numeric = isNumeric(desc);
  return (
    <TextField
      label={<Name>{name}</Name>}
      type={numeric ? 'number' : desc.type === 'email' ? 'email' : desc.type === 'url' ? 'url' : 'text'}
      step={desc.type === 'int' ? 1 : numeric ? 'any' : undefined}
      value={draft.text}
      onChange={(e) => onChange({ ...draft, text: e.target.value })}
      required={!optional}
      error={missing ? `${path} is required: fill it in before sending` : undefined}
      autoComplete="off"
      spellCheck={false}
      hint={<Hint desc={desc} extra={optional ? 'Leave empty to leave it out.' : undefined} />}
      className="max-w-md"
    />
  );
}

function Keys({
  keys,
  path,
  draft,
  onChange,
}: {
  keys: ExternalSingle['keys'];
  path: string;
  draft: SingleDraft;
  onChange: (d: SingleDraft) => void;
}) {
  return (
    <div className="space-y-4">
      {Object.entries(keys).map(([k, sub]) => {
        const part = draft.keys[k] ?? initialDraft(sub);
        return (
          <Field
            key={k}
            name={k}
            path={fieldPath(path, k)}
            desc={sub}
            draft={part}
            onChange={(next) => onChange({ ...draft, keys: { ...draft.keys, [k]: next } })}
          />
        );
      })}
    </div>
  );
}

function SingleField({
  name,
  path,
  desc,
  draft,
  onChange,
  alwaysSent,
}: {
  name: string;
  path: string;
  desc: ExternalSingle;
  draft: SingleDraft;
  onChange: (d: SingleDraft) => void;
  /** List items are always sent. */
  alwaysSent?: boolean;
}) {
  const optional = !alwaysSent && desc.presence !== 'required';
  const open = !optional || draft.include;
  return (
    <fieldset className="rounded-md border border-slate-200 bg-slate-50/50 p-4">
      <legend className="px-1 text-sm font-medium text-slate-800">
        <Name>{name}</Name>
        {!alwaysSent && <span className="ml-2 font-mono text-xs font-normal text-slate-500">{presenceText(desc)}</span>}
      </legend>
      {desc.desc && <p className="mb-3 text-sm text-slate-600">{desc.desc}</p>}
      {optional && (
        <CheckboxField
          label={`Send ${name}`}
          checked={draft.include}
          onChange={(e) => onChange({ ...draft, include: e.target.checked })}
          className="mb-3"
        />
      )}
      {open && <Keys keys={desc.keys} path={path} draft={draft} onChange={onChange} />}
    </fieldset>
  );
}

function MultipleField({
  name,
  path,
  desc,
  draft,
  onChange,
}: {
  name: string;
  path: string;
  desc: ExternalMultiple;
  draft: MultipleDraft;
  onChange: (d: MultipleDraft) => void;
}) {
  const setItem = (i: number, next: Draft) =>
    onChange({ ...draft, items: draft.items.map((x, j) => (j === i ? next : x)) });
  return (
    <fieldset className="rounded-md border border-slate-200 p-4">
      <legend className="px-1 text-sm font-medium text-slate-800">
        <Name>{name}</Name>
        <span className="ml-2 font-mono text-xs font-normal text-slate-500">list · {presenceText(desc)}</span>
      </legend>
      {desc.desc && <p className="mb-3 text-sm text-slate-600">{desc.desc}</p>}
      {draft.items.length === 0 && (
        <p className="mb-3 text-sm text-slate-500">
          {desc.presence === 'required' ? 'An empty list is sent.' : 'No items: the list is left out.'}
        </p>
      )}
      <ol className="space-y-3">
        {draft.items.map((item, i) => {
          const itemName = `${name}[${i}]`;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: items have no identity; every input is controlled by the draft
            <li key={i} className="border-l-2 border-slate-300 pl-3">
              <div className="mb-2 flex items-center justify-between gap-2">
                <span className="text-xs font-semibold tracking-wide text-slate-500 uppercase">Item {i + 1}</span>
                <Button
                  size="sm"
                  variant="ghost"
                  className="text-red-700"
                  onClick={() => onChange({ ...draft, items: draft.items.filter((_, j) => j !== i) })}
                >
                  Remove
                  <span className="sr-only">
                    {' '}
                    item {i + 1} of {name}
                  </span>
                </Button>
              </div>
              <Field
                name={itemName}
                path={fieldPath(path, i)}
                desc={desc.content}
                draft={item}
                onChange={(next) => setItem(i, next)}
                item
              />
            </li>
          );
        })}
      </ol>
      <Button
        size="sm"
        className="mt-3"
        onClick={() =>
          onChange({ ...draft, items: [...draft.items, initialDraft({ ...desc.content, presence: 'required' })] })
        }
      >
        Add item<span className="sr-only"> to {name}</span>
      </Button>
    </fieldset>
  );
}

function Field({
  name,
  path,
  desc,
  draft,
  onChange,
  item,
}: {
  name: string;
  path: string;
  desc: ExternalDescription;
  draft: Draft;
  onChange: (d: Draft) => void;
  item?: boolean;
}) {
  if (desc.kind === 'value' && draft.kind === 'value') {
    return (
      <ValueField
        name={name}
        path={path}
        desc={item ? { ...desc, presence: 'required' } : desc}
        draft={draft}
        onChange={onChange}
      />
    );
  }
  if (desc.kind === 'single' && draft.kind === 'single') {
    return <SingleField name={name} path={path} desc={desc} draft={draft} onChange={onChange} alwaysSent={item} />;
  }
  if (desc.kind === 'multiple' && draft.kind === 'multiple') {
    return <MultipleField name={name} path={path} desc={desc} draft={draft} onChange={onChange} />;
  }
  return null;
}

/**
 * A form generated from a function's parameter description (Moodle's external_value,
 * external_single_structure and external_multiple_structure), recursive to any depth: an input
 * per scalar with its type, a checkbox per boolean, nested fieldsets for structures, Add item /
 * Remove for lists. Optional values left empty are left out of the call; defaults start filled
 * in. Turn the draft into arguments with `argsOf` (params-draft.ts).
 */
export function ParamsForm({
  parameters,
  value,
  onChange,
  disabled,
  missing,
}: {
  parameters: ExternalSingle;
  value: Draft;
  onChange: (d: Draft) => void;
  disabled?: boolean;
  /** Required values left empty (missingRequired's paths): each shows its error until filled in. */
  missing?: ReadonlySet<string>;
}) {
  const root: SingleDraft = value.kind === 'single' ? value : { kind: 'single', include: true, keys: {} };
  if (Object.keys(parameters.keys).length === 0) {
    return <p className="text-sm text-slate-600">This function takes no parameters.</p>;
  }
  return (
    <MissingFields.Provider value={missing ?? NONE_MISSING}>
      <fieldset disabled={disabled} className="min-w-0">
        <legend className="sr-only">Parameters</legend>
        <Keys keys={parameters.keys} path="" draft={root} onChange={onChange} />
      </fieldset>
    </MissingFields.Provider>
  );
}

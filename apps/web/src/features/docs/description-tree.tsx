import type { ExternalDescription, ExternalSingle } from '@gatehouse/shared';
import { Badge } from '../../components/ui/badge';

/** "int", "object", "list of object", "list of list of int". */
function typeLabel(d: ExternalDescription): string {
  if (d.kind === 'value') return d.type;
  if (d.kind === 'single') return 'object';
  return `list of ${typeLabel(d.content)}`;
}

/** The structure whose keys show under a description: through any lists, to the object inside. */
function keysOf(d: ExternalDescription): ExternalSingle['keys'] | null {
  if (d.kind === 'single') return d.keys;
  if (d.kind === 'multiple') return keysOf(d.content);
  return null;
}

/** A list's item, through nested lists: its text and whether null is allowed there. */
function innermost(d: ExternalDescription): ExternalDescription {
  return d.kind === 'multiple' ? innermost(d.content) : d;
}

function PresenceBadge({ d }: { d: ExternalDescription }) {
  if (d.presence === 'required') return <Badge tone="amber">Required</Badge>;
  if (d.presence === 'optional') return <Badge>Optional</Badge>;
  return (
    <Badge tone="blue">
      Default: <code className="ml-1">{JSON.stringify(d.default)}</code>
    </Badge>
  );
}

/** One key: its name, type, presence, "null allowed", description, and what is inside it. */
function Entry({ name, d }: { name: string; d: ExternalDescription }) {
  const keys = keysOf(d);
  const item = innermost(d);
  const allowNull = (d.kind === 'value' && d.allowNull) || (item.kind === 'value' && item.allowNull);
  const itemDesc = d.kind === 'multiple' && item.desc && item.desc !== d.desc ? item.desc : '';
  return (
    <li className="py-2">
      <div className="flex flex-wrap items-baseline gap-x-2 gap-y-1">
        <code className="font-mono text-sm font-semibold text-slate-900">{name}</code>
        <dl className="flex flex-wrap items-baseline gap-x-2 gap-y-1">
          <dt className="sr-only">Type</dt>
          <dd className="font-mono text-xs text-slate-600">{typeLabel(d)}</dd>
          <dt className="sr-only">Presence</dt>
          <dd>
            <PresenceBadge d={d} />
          </dd>
          {allowNull && (
            <>
              <dt className="sr-only">Null</dt>
              <dd>
                <Badge tone="purple">null allowed</Badge>
              </dd>
            </>
          )}
        </dl>
      </div>
      {d.desc && <p className="mt-0.5 text-sm text-slate-700">{d.desc}</p>}
      {itemDesc && <p className="mt-0.5 text-sm text-slate-600">Each item: {itemDesc}</p>}
      {keys && Object.keys(keys).length > 0 && (
        <div className="mt-1 ml-1 border-l-2 border-slate-200 pl-4">
          {d.kind === 'multiple' && <p className="pt-1 text-xs text-slate-500">Each item has:</p>}
          <Keys keys={keys} />
        </div>
      )}
    </li>
  );
}

function Keys({ keys }: { keys: ExternalSingle['keys'] }) {
  return (
    <ul className="divide-y divide-slate-100">
      {Object.entries(keys).map(([k, d]) => (
        <Entry key={k} name={k} d={d} />
      ))}
    </ul>
  );
}

/** A function's parameters as a readable tree, nested structures indented. */
export function ArgumentsTree({ parameters }: { parameters: ExternalSingle }) {
  if (Object.keys(parameters.keys).length === 0) {
    return <p className="text-sm text-slate-600">This function takes no arguments.</p>;
  }
  return <Keys keys={parameters.keys} />;
}

/** What a function answers, as a tree like its arguments. */
export function ResponseTree({ returns }: { returns: ExternalDescription | null }) {
  if (!returns) return <p className="text-sm text-slate-600">This function returns nothing (null).</p>;
  const keys = keysOf(returns);
  const item = innermost(returns);
  return (
    <div>
      <p className="text-sm text-slate-700">
        <span className="font-mono text-xs text-slate-600">{typeLabel(returns)}</span>
        {returns.kind === 'value' && returns.allowNull && (
          <Badge tone="purple" className="ml-2">
            null allowed
          </Badge>
        )}
        {returns.desc && <span className="ml-2">{returns.desc}</span>}
      </p>
      {returns.kind === 'multiple' && item.desc && item.desc !== returns.desc && (
        <p className="mt-0.5 text-sm text-slate-600">Each item: {item.desc}</p>
      )}
      {keys && Object.keys(keys).length > 0 && (
        <div className="mt-1 ml-1 border-l-2 border-slate-200 pl-4">
          {returns.kind === 'multiple' && <p className="pt-1 text-xs text-slate-500">Each item has:</p>}
          <Keys keys={keys} />
        </div>
      )}
    </div>
  );
}

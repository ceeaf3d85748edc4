import type { CapabilityDef } from '@gatehouse/shared';
import { useId, useMemo, useState } from 'react';
import { TextField } from '../../components/ui/form-field';
import { RowTh, Table, TBody, Td, THead, Th } from '../../components/ui/table';
import { cn } from '../../lib/cn';
import { RiskBadges } from './risk-badges';

export type PermissionChoice = 'notset' | 'allow' | 'prohibit';
export type PermissionMap = Record<string, PermissionChoice>;

const CHOICES: { value: PermissionChoice; label: string }[] = [
  { value: 'notset', label: 'Not set' },
  { value: 'allow', label: 'Allow' },
  { value: 'prohibit', label: 'Prohibit' },
];

function groupByComponent(defs: readonly CapabilityDef[]): [string, CapabilityDef[]][] {
  const groups = new Map<string, CapabilityDef[]>();
  for (const d of defs) {
    const list = groups.get(d.component) ?? [];
    list.push(d);
    groups.set(d.component, list);
  }
  return [...groups];
}

function CapabilityRow({
  def,
  value,
  changed,
  disabled,
  onChange,
}: {
  def: CapabilityDef;
  value: PermissionChoice;
  changed: boolean;
  disabled?: boolean;
  onChange: (value: PermissionChoice) => void;
}) {
  const id = useId();
  return (
    <tr className={cn(changed && 'bg-amber-50')}>
      <RowTh className="font-normal">
        <span id={`${id}-desc`} className="block font-medium text-slate-900">
          {def.description}
        </span>
        <code id={`${id}-name`} className="text-xs text-slate-500">
          {def.name}
        </code>
        {changed && <span className="ml-2 text-xs font-medium text-amber-800">Changed</span>}
      </RowTh>
      <Td>
        <RiskBadges risks={def.risks} />
      </Td>
      <Td>
        <div role="radiogroup" aria-labelledby={`${id}-desc ${id}-name`} className="flex flex-wrap gap-x-4 gap-y-1">
          {CHOICES.map((c) => (
            <label key={c.value} className="inline-flex items-center gap-1.5 text-sm">
              <input
                type="radio"
                name={`perm-${def.name}`}
                value={c.value}
                checked={value === c.value}
                disabled={disabled}
                onChange={() => onChange(c.value)}
                className="size-4 accent-blue-700"
              />
              <span className={cn(c.value === 'prohibit' && value === 'prohibit' && 'font-medium text-red-800')}>
                {c.label}
              </span>
            </label>
          ))}
        </div>
      </Td>
    </tr>
  );
}

/** Every capability, grouped by component, each with Not set / Allow / Prohibit. */
export function CapabilityMatrix({
  defs,
  value,
  baseline,
  disabled,
  onChange,
}: {
  defs: readonly CapabilityDef[];
  value: PermissionMap;
  baseline: PermissionMap;
  disabled?: boolean;
  onChange: (capability: string, permission: PermissionChoice) => void;
}) {
  const [filter, setFilter] = useState('');
  const term = filter.trim().toLowerCase();
  const groups = useMemo(
    () =>
      groupByComponent(
        term
          ? defs.filter(
              (d) =>
                d.name.toLowerCase().includes(term) ||
                d.description.toLowerCase().includes(term) ||
                d.component.toLowerCase().includes(term),
            )
          : defs,
      ),
    [defs, term],
  );
  const changedCount = defs.filter((d) => (value[d.name] ?? 'notset') !== (baseline[d.name] ?? 'notset')).length;

  return (
    <div>
      <div className="mb-4 flex flex-wrap items-end justify-between gap-4">
        <TextField
          label="Filter capabilities"
          type="search"
          value={filter}
          onChange={(e) => setFilter(e.target.value)}
          placeholder="Name, description or component"
          className="w-80"
          autoComplete="off"
        />
        <p role="status" className="text-sm text-slate-600">
          {changedCount === 0 ? 'No unsaved permission changes' : `${changedCount} unsaved permission change(s)`}
        </p>
      </div>
      {groups.length === 0 && <p className="text-sm text-slate-600">No capability matches “{filter}”.</p>}
      <div className="space-y-6">
        {groups.map(([component, list]) => (
          <Table key={component} caption={component} showCaption fixed>
            <THead>
              <Th className="w-[45%]">Capability</Th>
              <Th className="w-[25%]">Risks</Th>
              <Th className="w-[30%]">Permission</Th>
            </THead>
            <TBody>
              {list.map((d) => {
                const v = value[d.name] ?? 'notset';
                return (
                  <CapabilityRow
                    key={d.name}
                    def={d}
                    value={v}
                    changed={v !== (baseline[d.name] ?? 'notset')}
                    disabled={disabled}
                    onChange={(p) => onChange(d.name, p)}
                  />
                );
              })}
            </TBody>
          </Table>
        ))}
      </div>
    </div>
  );
}

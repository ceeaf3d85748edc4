import { type CapabilityDef, type RoleDto, roleCreateSchema, roleUpdateSchema } from '@gatehouse/shared';
import { Link } from 'react-router';
import { useConsoleForm } from '../../components/forms/use-console-form';
import { Section } from '../../components/layout/page';
import { Alert } from '../../components/ui/alert';
import { Button, buttonClasses } from '../../components/ui/button';
import { TextareaField, TextField } from '../../components/ui/form-field';
import { CapabilityMatrix, type PermissionChoice, type PermissionMap } from './capability-matrix';

interface RoleFormValues {
  shortname: string;
  name: string;
  description: string;
  /** Only the capabilities with a permission (no 'notset'), as the role holds them. */
  capabilities: PermissionMap;
}

function valuesOf(role?: RoleDto): RoleFormValues {
  return {
    shortname: role?.shortname ?? '',
    name: role?.name ?? '',
    description: role?.description ?? '',
    capabilities: { ...(role?.capabilities ?? {}) },
  };
}

/** Only the capabilities whose permission differs from the saved role ('notset' removes one). */
function changedCapabilities(value: PermissionMap, baseline: PermissionMap): PermissionMap {
  const out: PermissionMap = {};
  for (const [cap, p] of Object.entries(value)) {
    if (p !== (baseline[cap] ?? 'notset')) out[cap] = p;
  }
  for (const cap of Object.keys(baseline)) {
    if (!(cap in value)) out[cap] = 'notset';
  }
  return out;
}

/**
 * The role editor: short name (frozen once created), name, description and the capability
 * matrix. Saving an existing role sends only what changed; leaving with changes asks first.
 */
export function RoleForm({
  role,
  defs,
  disabled,
  disabledReason,
  onSave,
  onSaved,
}: {
  role?: RoleDto;
  defs: readonly CapabilityDef[];
  disabled?: boolean;
  disabledReason?: string;
  onSave: (payload: Record<string, unknown>) => Promise<RoleDto>;
  onSaved?: (role: RoleDto) => void;
}) {
  const mode = role ? 'edit' : 'create';
  const { form, banner, errorOf, saving, submit } = useConsoleForm<RoleFormValues>({
    mode,
    defaultValues: valuesOf(role),
    schema: mode === 'create' ? roleCreateSchema : roleUpdateSchema,
    // The short name is frozen once the role exists (the update schema has none).
    toPayload: (v) =>
      mode === 'create' ? { ...v } : { name: v.name, description: v.description, capabilities: v.capabilities },
    patchOf: (payload, dirty, values) => {
      const patch: Record<string, unknown> = {};
      if (dirty.includes('name')) patch.name = payload.name;
      if (dirty.includes('description')) patch.description = payload.description;
      const caps = changedCapabilities(
        values.capabilities,
        form.formState.defaultValues?.capabilities as PermissionMap,
      );
      if (Object.keys(caps).length) patch.capabilities = caps;
      return patch;
    },
    draft: { id: 'role' },
  });
  const { register } = form;
  const perms = form.watch('capabilities');
  const baseline = (form.formState.defaultValues?.capabilities ?? {}) as PermissionMap;

  /** Back to the saved permission drops the key, so that undoing a change leaves the form clean. */
  function setPermission(cap: string, p: PermissionChoice) {
    const next = { ...form.getValues('capabilities') };
    const saved = baseline[cap];
    if (p === (saved ?? 'notset')) {
      if (saved) next[cap] = saved;
      else delete next[cap];
    } else next[cap] = p;
    form.setValue('capabilities', next, { shouldDirty: true });
  }

  const onSubmit = submit(onSave, {
    valuesOf: (saved) => valuesOf(saved),
    onSaved: (saved) => onSaved?.(saved),
    successText: (_saved, body) => {
      if (mode !== 'edit') return null;
      const capCount = Object.keys((body.capabilities as object | undefined) ?? {}).length;
      return `Changes saved${capCount ? ` (${capCount} capability permission(s) changed)` : ''}.`;
    },
  });
  const capabilityError = errorOf('capabilities');

  const off = disabled || saving;
  return (
    <form onSubmit={onSubmit} noValidate aria-label={mode === 'create' ? 'New role' : 'Edit role'}>
      {disabledReason && (
        <Alert tone="warning" className="mb-4" live={false}>
          {disabledReason}
        </Alert>
      )}
      {banner}
      <fieldset disabled={off} className="grid gap-5 rounded-md border border-slate-200 bg-white p-5 sm:grid-cols-2">
        <legend className="sr-only">Role</legend>
        <TextField
          label="Short name"
          {...register('shortname')}
          readOnly={mode === 'edit'}
          error={errorOf('shortname')}
          required={mode === 'create'}
          autoComplete="off"
          spellCheck={false}
          hint={
            mode === 'edit'
              ? 'The short name cannot be changed once the role exists.'
              : 'Lowercase letters, digits and underscores; it cannot be changed later.'
          }
        />
        <TextField label="Custom full name" {...register('name')} error={errorOf('name')} required autoComplete="off" />
        <TextareaField
          label="Custom description"
          {...register('description')}
          error={errorOf('description')}
          rows={3}
          className="sm:col-span-2"
        />
      </fieldset>

      <Section
        title="Capabilities"
        description="Allow grants the capability; Prohibit denies it even when another role allows it."
      >
        {capabilityError && (
          <Alert tone="error" className="mb-4">
            {capabilityError}
          </Alert>
        )}
        <CapabilityMatrix defs={defs} value={perms} baseline={baseline} disabled={off} onChange={setPermission} />
      </Section>

      <div className="sticky bottom-0 mt-6 flex items-center gap-3 border-t border-slate-200 bg-slate-50 py-3">
        <Button type="submit" variant="primary" busy={saving} disabled={disabled}>
          {mode === 'create' ? 'Create this role' : 'Save changes'}
        </Button>
        <Link to="/admin/roles" className={buttonClasses('secondary')}>
          Cancel
        </Link>
      </div>
    </form>
  );
}

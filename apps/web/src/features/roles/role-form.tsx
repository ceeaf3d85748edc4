import { type CapabilityDef, type RoleDto, roleCreateSchema, roleUpdateSchema } from '@gatehouse/shared';
import { type FormEvent, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Section } from '../../components/layout/page';
import { Alert } from '../../components/ui/alert';
import { Button, buttonClasses } from '../../components/ui/button';
import { TextareaField, TextField } from '../../components/ui/form-field';
import { type FieldErrors, focusFirstError, serverErrors, zodFieldErrors } from '../../lib/form-errors';
import { CapabilityMatrix, type PermissionMap } from './capability-matrix';

interface RoleFields {
  shortname: string;
  name: string;
  description: string;
}

const FIELDS = ['shortname', 'name', 'description', 'capabilities'] as const;

function permissionsOf(role?: RoleDto): PermissionMap {
  return { ...(role?.capabilities ?? {}) };
}

/** Only the capabilities whose permission differs from the saved role. */
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
 * matrix. Saving an existing role sends only what changed.
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
  const formRef = useRef<HTMLFormElement>(null);
  const [fields, setFields] = useState<RoleFields>({
    shortname: role?.shortname ?? '',
    name: role?.name ?? '',
    description: role?.description ?? '',
  });
  const [baselineFields, setBaselineFields] = useState(fields);
  const [perms, setPerms] = useState<PermissionMap>(() => permissionsOf(role));
  const [baseline, setBaseline] = useState<PermissionMap>(() => permissionsOf(role));
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<{ tone: 'error' | 'success' | 'info'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);

  const set = (key: keyof RoleFields, value: string) => {
    setFields((f) => ({ ...f, [key]: value }));
    if (errors[key]) setErrors(({ [key]: _gone, ...rest }) => rest);
  };

  function payload() {
    if (mode === 'create') {
      const capabilities = Object.fromEntries(Object.entries(perms).filter(([, p]) => p !== 'notset'));
      return roleCreateSchema.safeParse({ ...fields, capabilities });
    }
    const patch: Record<string, unknown> = {};
    if (fields.name !== baselineFields.name) patch.name = fields.name;
    if (fields.description !== baselineFields.description) patch.description = fields.description;
    const caps = changedCapabilities(perms, baseline);
    if (Object.keys(caps).length) patch.capabilities = caps;
    return roleUpdateSchema.safeParse(patch);
  }

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    const parsed = payload();
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      setMessage({ tone: 'error', text: 'Please fix the errors below.' });
      requestAnimationFrame(() => focusFirstError(formRef.current));
      return;
    }
    setErrors({});
    const data = parsed.data as Record<string, unknown>;
    if (mode === 'edit' && Object.keys(data).length === 0) {
      setMessage({ tone: 'info', text: 'No changes to save.' });
      return;
    }
    setSaving(true);
    try {
      const saved = await onSave(data);
      const nextFields = { shortname: saved.shortname, name: saved.name, description: saved.description };
      setFields(nextFields);
      setBaselineFields(nextFields);
      setPerms(permissionsOf(saved));
      setBaseline(permissionsOf(saved));
      const capCount = Object.keys((data.capabilities as object | undefined) ?? {}).length;
      setMessage(
        mode === 'edit'
          ? {
              tone: 'success',
              text: `Changes saved${capCount ? ` (${capCount} capability permission(s) changed)` : ''}.`,
            }
          : null,
      );
      onSaved?.(saved);
    } catch (err) {
      const { fields: f, message: text } = serverErrors(err, FIELDS);
      setErrors(f);
      setMessage({ tone: 'error', text: f.capabilities ? `${text} ${f.capabilities}` : text });
      requestAnimationFrame(() => focusFirstError(formRef.current));
    } finally {
      setSaving(false);
    }
  }

  const off = disabled || saving;
  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate aria-label={mode === 'create' ? 'New role' : 'Edit role'}>
      {disabledReason && (
        <Alert tone="warning" className="mb-4" live={false}>
          {disabledReason}
        </Alert>
      )}
      {message && (
        <Alert tone={message.tone} className="mb-4">
          {message.text}
        </Alert>
      )}
      <fieldset disabled={off} className="grid gap-5 rounded-md border border-slate-200 bg-white p-5 sm:grid-cols-2">
        <legend className="sr-only">Role</legend>
        <TextField
          label="Short name"
          name="shortname"
          value={fields.shortname}
          onChange={(e) => set('shortname', e.target.value)}
          readOnly={mode === 'edit'}
          error={errors.shortname}
          required={mode === 'create'}
          autoComplete="off"
          spellCheck={false}
          hint={
            mode === 'edit'
              ? 'The short name cannot be changed once the role exists.'
              : 'Lowercase letters, digits and underscores; it cannot be changed later.'
          }
        />
        <TextField
          label="Custom full name"
          name="name"
          value={fields.name}
          onChange={(e) => set('name', e.target.value)}
          error={errors.name}
          required
          autoComplete="off"
        />
        <TextareaField
          label="Custom description"
          name="description"
          value={fields.description}
          onChange={(e) => set('description', e.target.value)}
          error={errors.description}
          rows={3}
          className="sm:col-span-2"
        />
      </fieldset>

      <Section
        title="Capabilities"
        description="Allow grants the capability; Prohibit denies it even when another role allows it."
      >
        <CapabilityMatrix
          defs={defs}
          value={perms}
          baseline={baseline}
          disabled={off}
          onChange={(cap, p) => setPerms((v) => ({ ...v, [cap]: p }))}
        />
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

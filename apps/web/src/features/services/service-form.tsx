import { CAPABILITIES, type ServiceDto, serviceCreateSchema, serviceUpdateSchema } from '@gatehouse/shared';
import { type FormEvent, useRef, useState } from 'react';
import { Link } from 'react-router';
import { Alert } from '../../components/ui/alert';
import { Button, buttonClasses } from '../../components/ui/button';
import { CheckboxField, SelectField, TextField } from '../../components/ui/form-field';
import { type FieldErrors, focusFirstError, serverErrors, zodFieldErrors } from '../../lib/form-errors';

export interface ServiceFormValues {
  name: string;
  shortname: string;
  enabled: boolean;
  restrictedUsers: boolean;
  /** '' for "No required capability". */
  requiredCapability: string;
  downloadFiles: boolean;
  uploadFiles: boolean;
}

const FIELDS = [
  'name',
  'shortname',
  'enabled',
  'restrictedUsers',
  'requiredCapability',
  'downloadFiles',
  'uploadFiles',
] as const;

const EMPTY_SERVICE: ServiceFormValues = {
  name: '',
  shortname: '',
  enabled: false,
  restrictedUsers: false,
  requiredCapability: '',
  downloadFiles: false,
  uploadFiles: false,
};

function serviceValuesOf(s: ServiceDto): ServiceFormValues {
  return {
    name: s.name,
    shortname: s.shortname,
    enabled: s.enabled,
    restrictedUsers: s.restrictedUsers,
    requiredCapability: s.requiredCapability ?? '',
    downloadFiles: s.downloadFiles,
    uploadFiles: s.uploadFiles,
  };
}

const toPayload = (v: ServiceFormValues) => ({ ...v, requiredCapability: v.requiredCapability || null });

/** Every field for a new service; only what changed for an existing one (the short name never). */
function payloadOf(mode: 'create' | 'edit', values: ServiceFormValues, baseline: ServiceFormValues) {
  if (mode === 'create') return serviceCreateSchema.safeParse(toPayload(values));
  const patch: Record<string, unknown> = {};
  const next = toPayload(values);
  const base = toPayload(baseline);
  for (const f of FIELDS) {
    if (f !== 'shortname' && next[f] !== base[f]) patch[f] = next[f];
  }
  return serviceUpdateSchema.safeParse(patch);
}

/** The capability list, grouped by component as in the role editor. */
const CAPABILITY_GROUPS = (() => {
  const groups = new Map<string, (typeof CAPABILITIES)[number][]>();
  for (const c of CAPABILITIES) groups.set(c.component, [...(groups.get(c.component) ?? []), c]);
  return [...groups.entries()];
})();

/**
 * Add or edit an external service. A built-in service keeps its name, required capability and
 * "Authorised users only" (shown, not editable); a protected one cannot be changed at all.
 */
export function ServiceForm({
  service,
  onSave,
  onSaved,
}: {
  service?: ServiceDto;
  onSave: (payload: Record<string, unknown>) => Promise<ServiceDto>;
  onSaved?: (service: ServiceDto) => void;
}) {
  const mode = service ? 'edit' : 'create';
  const initial = service ? serviceValuesOf(service) : EMPTY_SERVICE;
  const formRef = useRef<HTMLFormElement>(null);
  const [values, setValues] = useState<ServiceFormValues>(initial);
  const [baseline, setBaseline] = useState<ServiceFormValues>(initial);
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<{ tone: 'error' | 'success' | 'info'; text: string } | null>(null);
  const [saving, setSaving] = useState(false);

  const builtin = !!service?.builtin;
  const locked = !!service?.protected;

  const set = <K extends keyof ServiceFormValues>(key: K, value: ServiceFormValues[K]) => {
    setValues((v) => ({ ...v, [key]: value }));
    if (errors[key]) setErrors(({ [key]: _gone, ...rest }) => rest);
  };

  async function onSubmit(e: FormEvent) {
    e.preventDefault();
    setMessage(null);
    const parsed = payloadOf(mode, values, baseline);
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      setMessage({ tone: 'error', text: 'Please fix the errors below.' });
      requestAnimationFrame(() => focusFirstError(formRef.current));
      return;
    }
    setErrors({});
    if (mode === 'edit' && Object.keys(parsed.data).length === 0) {
      setMessage({ tone: 'info', text: 'No changes to save.' });
      return;
    }
    setSaving(true);
    try {
      const saved = await onSave(parsed.data);
      const next = serviceValuesOf(saved);
      setBaseline(next);
      setValues(next);
      setMessage(mode === 'edit' ? { tone: 'success', text: 'Changes saved.' } : null);
      onSaved?.(saved);
    } catch (err) {
      const { fields, message: text } = serverErrors(err, FIELDS);
      setErrors(fields);
      setMessage({ tone: 'error', text });
      requestAnimationFrame(() => focusFirstError(formRef.current));
    } finally {
      setSaving(false);
    }
  }

  const frozenHint = 'A built-in service keeps this as it ships.';
  const off = locked || saving;
  return (
    <form ref={formRef} onSubmit={onSubmit} noValidate aria-label={mode === 'create' ? 'New service' : 'Edit service'}>
      {locked && (
        <Alert tone="warning" className="mb-4" live={false}>
          This service is protected: it belongs to the hub and cannot be modified here.
        </Alert>
      )}
      {builtin && !locked && (
        <Alert tone="info" className="mb-4" live={false}>
          This is a built-in service: its name, required capability and “Authorised users only” setting are part of the
          product and cannot be changed, and its functions are fixed. You can enable or disable it and choose whether it
          may download or upload files.
        </Alert>
      )}
      {message && (
        <Alert tone={message.tone} className="mb-4">
          {message.text}
        </Alert>
      )}
      <div className="rounded-md border border-slate-200 bg-white">
        <fieldset className="grid gap-5 p-5 sm:grid-cols-2" disabled={off}>
          <legend className="sr-only">Service</legend>
          <TextField
            label="Name"
            name="name"
            value={values.name}
            onChange={(e) => set('name', e.target.value)}
            error={errors.name}
            required={!builtin}
            disabled={builtin}
            autoComplete="off"
            hint={builtin ? frozenHint : 'Unique: no two services may share a name.'}
          />
          <TextField
            label="Short name"
            name="shortname"
            value={values.shortname}
            onChange={(e) => set('shortname', e.target.value)}
            error={errors.shortname}
            required={mode === 'create'}
            readOnly={mode === 'edit'}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            hint={
              mode === 'edit'
                ? 'The short name cannot be changed once the service exists: clients ask for the service by it.'
                : 'Lowercase letters, digits and underscores; unique, and it cannot be changed later. Clients use it to ask /login/token.php for a token.'
            }
          />
          <SelectField
            label="Required capability"
            name="requiredCapability"
            value={values.requiredCapability}
            onChange={(e) => set('requiredCapability', e.target.value)}
            error={errors.requiredCapability}
            disabled={builtin}
            className="sm:col-span-2"
            hint={
              builtin
                ? frozenHint
                : 'If set, any user calling this service must hold this capability too (an additional, optional security layer).'
            }
          >
            <option value="">No required capability</option>
            {CAPABILITY_GROUPS.map(([component, caps]) => (
              <optgroup key={component} label={component}>
                {caps.map((c) => (
                  <option key={c.name} value={c.name}>
                    {c.name} ({c.description})
                  </option>
                ))}
              </optgroup>
            ))}
          </SelectField>
        </fieldset>
        <fieldset className="space-y-4 border-t border-slate-200 p-5" disabled={off}>
          <legend className="sr-only">Options</legend>
          <CheckboxField
            label="Enabled"
            name="enabled"
            checked={values.enabled}
            onChange={(e) => set('enabled', e.target.checked)}
            error={errors.enabled}
            hint="A disabled service answers no call, whatever its tokens."
          />
          <CheckboxField
            label="Authorised users only"
            name="restrictedUsers"
            checked={values.restrictedUsers}
            onChange={(e) => set('restrictedUsers', e.target.checked)}
            error={errors.restrictedUsers}
            disabled={builtin}
            hint={
              builtin
                ? frozenHint
                : 'If enabled, you choose the authorised users yourself (Authorised users link on the list). Otherwise all users with the appropriate permissions may use the service.'
            }
          />
          <CheckboxField
            label="Can download files"
            name="downloadFiles"
            checked={values.downloadFiles}
            onChange={(e) => set('downloadFiles', e.target.checked)}
            error={errors.downloadFiles}
            hint="Lets users of this service download files with their token."
          />
          <CheckboxField
            label="Can upload files"
            name="uploadFiles"
            checked={values.uploadFiles}
            onChange={(e) => set('uploadFiles', e.target.checked)}
            error={errors.uploadFiles}
            hint="Lets users of this service upload files to their private files area."
          />
        </fieldset>
        <div className="flex items-center gap-3 border-t border-slate-200 bg-slate-50 px-5 py-3">
          <Button type="submit" variant="primary" busy={saving} disabled={locked}>
            {mode === 'create' ? 'Add service' : 'Save changes'}
          </Button>
          <Link to="/admin/webservice/services" className={buttonClasses('secondary')}>
            Cancel
          </Link>
        </div>
      </div>
    </form>
  );
}

import { CAPABILITIES, type ServiceDto, serviceCreateSchema, serviceUpdateSchema } from '@gatehouse/shared';
import { useRef } from 'react';
import { Link } from 'react-router';
import { useConsoleForm } from '../../components/forms/use-console-form';
import { Alert } from '../../components/ui/alert';
import { Button, buttonClasses } from '../../components/ui/button';
import { CheckboxField, SelectField, TextField } from '../../components/ui/form-field';

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

/**
 * The short name a new service's name suggests, as Moodle's clients expect it: lowercase letters,
 * digits and underscores ("Group sync" → "group_sync").
 */
export function shortnameFrom(name: string): string {
  return name
    .normalize('NFKD')
    .replace(/[\u0300-\u036f]/g, '')
    .toLowerCase()
    .replace(/[^a-z0-9]+/g, '_')
    .replace(/^_+|_+$/g, '')
    .slice(0, 100);
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
  const { form, banner, errorOf, saving, submit } = useConsoleForm<ServiceFormValues>({
    mode,
    defaultValues: service ? serviceValuesOf(service) : EMPTY_SERVICE,
    schema: mode === 'create' ? serviceCreateSchema : serviceUpdateSchema,
    toPayload,
    // The short name is never changed once the service exists.
    patchOf: (payload, dirty) =>
      Object.fromEntries(Object.entries(payload).filter(([k]) => k !== 'shortname' && dirty.includes(k))),
    draft: { id: 'service' },
  });
  const { register } = form;
  // A new service's short name follows its name until the admin edits the short name itself.
  const following = useRef(mode === 'create');

  const builtin = !!service?.builtin;
  const locked = !!service?.protected;

  const onSubmit = submit(onSave, { valuesOf: serviceValuesOf, onSaved });

  const frozenHint = 'A built-in service keeps this as it ships.';
  const off = locked || saving;
  return (
    <form onSubmit={onSubmit} noValidate aria-label={mode === 'create' ? 'New service' : 'Edit service'}>
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
      {banner}
      <div className="rounded-md border border-slate-200 bg-white">
        <fieldset className="grid gap-5 p-5 sm:grid-cols-2" disabled={off}>
          <legend className="sr-only">Service</legend>
          <TextField
            label="Name"
            {...register('name', {
              onChange: (e) => {
                if (following.current) form.setValue('shortname', shortnameFrom(e.target.value), { shouldDirty: true });
              },
            })}
            error={errorOf('name')}
            required={!builtin}
            disabled={builtin}
            autoComplete="off"
            hint={builtin ? frozenHint : 'Unique: no two services may share a name.'}
          />
          <TextField
            label="Short name"
            {...register('shortname', {
              // Edited by hand: it no longer follows the name (emptied: it follows again).
              onChange: (e) => {
                following.current = mode === 'create' && e.target.value === '';
              },
            })}
            error={errorOf('shortname')}
            required={mode === 'create'}
            readOnly={mode === 'edit'}
            autoComplete="off"
            autoCapitalize="none"
            spellCheck={false}
            hint={
              mode === 'edit'
                ? 'The short name cannot be changed once the service exists: clients ask for the service by it.'
                : 'Filled in from the name; you may change it. Lowercase letters, digits and underscores; unique, and it cannot be changed later. Clients use it to ask /login/token.php for a token.'
            }
          />
          <SelectField
            label="Required capability"
            {...register('requiredCapability')}
            error={errorOf('requiredCapability')}
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
            {...register('enabled')}
            error={errorOf('enabled')}
            hint="A disabled service answers no call, whatever its tokens."
          />
          <CheckboxField
            label="Authorised users only"
            {...register('restrictedUsers')}
            error={errorOf('restrictedUsers')}
            disabled={builtin}
            hint={
              builtin
                ? frozenHint
                : 'If enabled, you choose the authorised users yourself (Authorised users link on the list). Otherwise all users with the appropriate permissions may use the service.'
            }
          />
          <CheckboxField
            label="Can download files"
            {...register('downloadFiles')}
            error={errorOf('downloadFiles')}
            hint="Lets users of this service download files with their token."
          />
          <CheckboxField
            label="Can upload files"
            {...register('uploadFiles')}
            error={errorOf('uploadFiles')}
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

import { functionSearchFields, serviceFunctionsAddSchema, wordSearch } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import { useMemo, useState } from 'react';
import { Alert } from '../../components/ui/alert';
import { Button } from '../../components/ui/button';
import { Dialog } from '../../components/ui/dialog';
import { CheckboxField, TextField } from '../../components/ui/form-field';
import { Loading } from '../../components/ui/loading';
import { QueryError } from '../../components/ui/query-error';
import { plural } from '../../lib/format';
import { functionCatalogueQueryOptions, useAddServiceFunctions } from './queries';

/**
 * Moodle's "Add functions" picker: a searchable list of the catalogue without the functions
 * already in the service and without deprecated ones (they cannot be added); several at once.
 */
export function AddFunctionsDialog({
  serviceId,
  open,
  existing,
  onClose,
  onAdded,
}: {
  serviceId: number;
  open: boolean;
  existing: readonly string[];
  onClose: () => void;
  onAdded: (names: string[]) => void;
}) {
  const catalogue = useQuery({ ...functionCatalogueQueryOptions, enabled: open });
  const add = useAddServiceFunctions(serviceId);
  const [search, setSearch] = useState('');
  const [selected, setSelected] = useState<Set<string>>(new Set());
  const [error, setError] = useState<string | null>(null);

  const available = useMemo(() => {
    const have = new Set(existing);
    return (catalogue.data ?? []).filter((f) => !f.deprecated && !have.has(f.name));
  }, [catalogue.data, existing]);

  // Every word of the search, in any order ("create group" finds core_group_create_groups).
  const searchAvailable = useMemo(() => wordSearch(available, functionSearchFields), [available]);
  const shown = useMemo(() => searchAvailable(search), [searchAvailable, search]);

  const close = () => {
    if (add.isPending) return;
    setSearch('');
    setSelected(new Set());
    setError(null);
    add.reset();
    onClose();
  };

  const toggle = (name: string, on: boolean) => {
    setError(null);
    setSelected((s) => {
      const next = new Set(s);
      if (on) next.add(name);
      else next.delete(name);
      return next;
    });
  };

  function submit() {
    const names = [...selected];
    const parsed = serviceFunctionsAddSchema.safeParse({ functions: names });
    if (!parsed.success) {
      setError(parsed.error.issues[0]?.message ?? 'Choose at least one function');
      return;
    }
    add.mutate(parsed.data.functions, {
      onSuccess: () => {
        setSearch('');
        setSelected(new Set());
        add.reset();
        onAdded(names);
      },
      onError: (e) => setError(e.message),
    });
  }

  return (
    <Dialog
      open={open}
      onClose={close}
      title="Add functions"
      wide
      footer={
        <>
          <span className="mr-auto self-center text-sm text-slate-600" role="status">
            {selected.size > 0 ? `${plural(selected.size, 'function')} selected` : ''}
          </span>
          <Button onClick={close} disabled={add.isPending}>
            Cancel
          </Button>
          <Button variant="primary" onClick={submit} busy={add.isPending}>
            Add functions
          </Button>
        </>
      }
    >
      <p className="mb-3">
        Choose the functions this service offers. Functions already in the service and deprecated functions are not
        listed: deprecated functions cannot be added to a service.
      </p>
      <TextField
        label="Search functions"
        type="search"
        value={search}
        onChange={(e) => setSearch(e.target.value)}
        placeholder="Words of a name, component or description"
        autoComplete="off"
        autoFocus
      />
      <div className="mt-3">
        {catalogue.isPending ? (
          <Loading label="Loading functions…" />
        ) : catalogue.isError ? (
          <QueryError error={catalogue.error} onRetry={() => catalogue.refetch()} what="the functions" />
        ) : available.length === 0 ? (
          <p className="text-slate-600">Every function that can be added is already in this service.</p>
        ) : shown.length === 0 ? (
          <p role="status" className="text-slate-600">
            No function matches “{search.trim()}”.
          </p>
        ) : (
          <fieldset>
            <legend className="sr-only">Functions</legend>
            <ul className="max-h-[50vh] divide-y divide-slate-100 overflow-y-auto rounded-md border border-slate-200">
              {shown.map((f) => (
                <li key={f.name} className="px-3 py-2">
                  <CheckboxField
                    label={<span className="font-mono">{f.name}</span>}
                    checked={selected.has(f.name)}
                    onChange={(e) => toggle(f.name, e.target.checked)}
                    hint={
                      <>
                        {f.description}
                        {f.capabilities.length > 0 && (
                          <span className="mt-0.5 block text-xs text-slate-500">
                            Required capabilities: {f.capabilities.join(', ')}
                          </span>
                        )}
                      </>
                    }
                  />
                </li>
              ))}
            </ul>
          </fieldset>
        )}
      </div>
      {error && (
        <Alert tone="error" className="mt-4">
          {error}
        </Alert>
      )}
    </Dialog>
  );
}

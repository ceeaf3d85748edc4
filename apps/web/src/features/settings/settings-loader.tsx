import type { Settings } from '@gatehouse/shared';
import { useQuery } from '@tanstack/react-query';
import type { ReactNode } from 'react';
import { Loading } from '../../components/ui/loading';
import { QueryError } from '../../components/ui/query-error';
import { settingsQueryOptions } from './queries';

/** Loads the site settings, with loading and error (including no-permission) states. */
export function SettingsLoader({ children }: { children: (settings: Settings) => ReactNode }) {
  const q = useQuery(settingsQueryOptions);
  if (q.isPending) return <Loading label="Loading settings…" />;
  if (q.isError) return <QueryError error={q.error} onRetry={() => q.refetch()} what="the settings" />;
  return <>{children(q.data)}</>;
}

/** Moodle shows each setting's default and its config name under the control. */
export function SettingMeta({ name, defaultLabel }: { name: string; defaultLabel: string }) {
  return (
    <span className="mt-1 block text-xs text-slate-500">
      Default: {defaultLabel} · <code>{name}</code>
    </span>
  );
}

/** A bordered box holding a settings form, with its Save changes button at the foot. */
export function SettingsCard({ children, footer }: { children: ReactNode; footer: ReactNode }) {
  return (
    <div className="rounded-md border border-slate-200 bg-white">
      <div className="space-y-6 p-5">{children}</div>
      <div className="flex items-center gap-3 border-t border-slate-200 bg-slate-50 px-5 py-3">{footer}</div>
    </div>
  );
}

import type { HubOutboxMessageDto, HubSiteDto } from '@gatehouse/shared';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/ui/dialog';
import { CheckboxField } from '../../components/ui/form-field';
import { plural } from '../../lib/format';
import { useDeleteHubSite, useDeleteHubSites } from './queries';

export interface SiteDeleted {
  site: HubSiteDto;
  coursesDeleted: number;
  coursesKept: number;
  message: HubOutboxMessageDto;
}

/**
 * Manage sites > Delete: asks first, says that the site's contact is told, and offers to delete
 * the site's courses too (otherwise they stay on the hub, without a site).
 */
export function DeleteSiteDialog({
  site,
  onClose,
  onDeleted,
}: {
  site: HubSiteDto | null;
  onClose: () => void;
  onDeleted: (result: SiteDeleted) => void;
}) {
  const del = useDeleteHubSite();
  const [withCourses, setWithCourses] = useState(false);
  const close = () => {
    del.reset();
    setWithCourses(false);
    onClose();
  };
  const published = site?.statistics.published ?? 0;
  return (
    <ConfirmDialog
      open={site !== null}
      title="Delete site"
      confirmLabel="Delete"
      busy={del.isPending}
      error={del.error?.message}
      onCancel={close}
      onConfirm={() => {
        if (!site) return;
        del.mutate(
          { id: site.id, withCourses },
          {
            onSuccess: (res) => {
              del.reset();
              setWithCourses(false);
              onDeleted({ site, ...res });
            },
          },
        );
      }}
    >
      {site && (
        <>
          <p>
            Delete <strong>{site.name}</strong> ({site.url}) from the hub?
          </p>
          <p>
            Its registration is cancelled: its hub user and access token are removed, so it can no longer publish here
            until it registers again. A message is sent to the site's contact,{' '}
            {site.contactEmail ? (
              <strong>
                {site.contactName || 'the site administrator'} &lt;{site.contactEmail}&gt;
              </strong>
            ) : (
              <strong>who has no email address</strong>
            )}
            , and written to the outbox.
          </p>
          <CheckboxField
            label="Also delete all its courses"
            name="withCourses"
            className="pt-2"
            checked={withCourses}
            onChange={(e) => setWithCourses(e.target.checked)}
            disabled={del.isPending}
            hint={
              published === 0
                ? 'The site has no course published on the hub.'
                : `The site has ${plural(published, 'course')} on the hub. Unticked, they stay on the hub without a site, for you to handle in Manage courses.`
            }
          />
        </>
      )}
    </ConfirmDialog>
  );
}

export interface SitesDeleted {
  sites: HubSiteDto[];
  deleted: number;
  coursesDeleted: number;
  coursesKept: number;
  messages: HubOutboxMessageDto[];
}

/**
 * Manage sites > With selected sites > Delete: the same question as Delete asks for one site,
 * for each selected site: what goes with them (registrations, hub users and tokens), who is
 * told, and whether their courses go too. All of them are deleted, or none.
 */
export function DeleteSitesDialog({
  sites,
  onClose,
  onDeleted,
}: {
  sites: HubSiteDto[] | null;
  onClose: () => void;
  onDeleted: (result: SitesDeleted) => void;
}) {
  const del = useDeleteHubSites();
  const [withCourses, setWithCourses] = useState(false);
  const close = () => {
    del.reset();
    setWithCourses(false);
    onClose();
  };
  const list = sites ?? [];
  const published = list.reduce((n, s) => n + s.statistics.published, 0);
  const noEmail = list.filter((s) => !s.contactEmail).length;
  return (
    <ConfirmDialog
      open={sites !== null}
      title={`Delete ${plural(list.length, 'site')}`}
      confirmLabel={`Delete ${plural(list.length, 'site')}`}
      busy={del.isPending}
      error={del.error?.message}
      onCancel={close}
      onConfirm={() => {
        if (!sites?.length) return;
        del.mutate(
          { ids: sites.map((s) => s.id), action: 'delete', withCourses },
          {
            onSuccess: (res) => {
              del.reset();
              setWithCourses(false);
              onDeleted({ sites, ...res });
            },
          },
        );
      }}
    >
      {sites && (
        <>
          <p>Delete these {plural(list.length, 'site')} from the hub?</p>
          <ul className="max-h-48 list-disc space-y-1 overflow-y-auto pl-5">
            {list.map((s) => (
              <li key={s.id}>
                <strong>{s.name}</strong> <span className="break-all">({s.url})</span>
                <span className="block text-xs text-slate-600">
                  {plural(s.statistics.published, 'course')} on the hub · contact:{' '}
                  {s.contactEmail
                    ? `${s.contactName || 'the site administrator'} <${s.contactEmail}>`
                    : 'no email address'}
                </span>
              </li>
            ))}
          </ul>
          <p>
            Their registrations are cancelled: their hub users and access tokens are removed, so they can no longer
            publish here until they register again. A message is sent to each site's contact and written to the outbox
            {noEmail > 0
              ? ` (${plural(noEmail, 'site')} without an email address: the message is only kept there)`
              : ''}
            .
          </p>
          <CheckboxField
            label="Also delete all their courses"
            name="withCourses"
            className="pt-2"
            checked={withCourses}
            onChange={(e) => setWithCourses(e.target.checked)}
            disabled={del.isPending}
            hint={
              published === 0
                ? 'These sites have no course published on the hub.'
                : `These sites have ${plural(published, 'course')} on the hub. Unticked, they stay on the hub without a site, for you to handle in Manage courses.`
            }
          />
        </>
      )}
    </ConfirmDialog>
  );
}

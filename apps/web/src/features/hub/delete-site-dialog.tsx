import type { HubOutboxMessageDto, HubSiteDto } from '@gatehouse/shared';
import { useState } from 'react';
import { ConfirmDialog } from '../../components/ui/dialog';
import { CheckboxField } from '../../components/ui/form-field';
import { plural } from '../../lib/format';
import { useDeleteHubSite } from './queries';

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

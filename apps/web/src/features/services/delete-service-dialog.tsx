import type { ServiceDto } from '@gatehouse/shared';
import { ConfirmDialog } from '../../components/ui/dialog';
import { plural } from '../../lib/format';
import { useDeleteService } from './queries';

/** Asks before deleting a custom service and says what goes with it. */
export function DeleteServiceDialog({
  service,
  onClose,
  onDeleted,
}: {
  service: ServiceDto | null;
  onClose: () => void;
  onDeleted: (service: ServiceDto, tokensDeleted: number) => void;
}) {
  const del = useDeleteService();
  const close = () => {
    del.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={service !== null}
      title="Delete service"
      confirmLabel="Delete"
      busy={del.isPending}
      error={del.error?.message}
      onCancel={close}
      onConfirm={() => {
        if (!service) return;
        del.mutate(service.id, {
          onSuccess: (res) => {
            del.reset();
            onDeleted(service, res.tokensDeleted);
          },
        });
      }}
    >
      {service && (
        <>
          <p>
            Are you sure you want to delete the service <strong>{service.name}</strong> ({service.shortname})?
          </p>
          <ul className="list-disc space-y-1 pl-5">
            <li>
              {service.tokenCount === 0 ? (
                'It has no tokens.'
              ) : (
                <>
                  <strong>{plural(service.tokenCount, 'token')}</strong> for this service will be deleted too: every
                  client using them stops working at once.
                </>
              )}
            </li>
            <li>
              Its authorised users ({service.authorisedCount}) will be removed, and its list of{' '}
              {plural(service.functionCount, 'function')} goes with it.
            </li>
          </ul>
          <p>This cannot be undone.</p>
        </>
      )}
    </ConfirmDialog>
  );
}

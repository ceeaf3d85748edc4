import type { UserDto } from '@gatehouse/shared';
import { ConfirmDialog } from '../../components/ui/dialog';
import { fullName } from '../../lib/format';
import { useDeleteUser } from './queries';

/** Asks before deleting a user and says what goes with it. */
export function DeleteUserDialog({
  user,
  onClose,
  onDeleted,
}: {
  user: UserDto | null;
  onClose: () => void;
  onDeleted: (user: UserDto) => void;
}) {
  const del = useDeleteUser();
  const close = () => {
    del.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={user !== null}
      title="Delete user"
      confirmLabel="Delete"
      busy={del.isPending}
      error={del.error?.message}
      onCancel={close}
      onConfirm={() => {
        if (!user) return;
        del.mutate(user.id, {
          onSuccess: (deleted) => {
            del.reset();
            onDeleted(deleted);
          },
        });
      }}
    >
      {user && (
        <>
          <p>
            Are you sure you want to delete <strong>{fullName(user)}</strong> ({user.username})?
          </p>
          <p>
            The account will be marked deleted and the user signed out of every session. Their role assignments are
            removed, and all their web service tokens are deleted as well.
          </p>
        </>
      )}
    </ConfirmDialog>
  );
}

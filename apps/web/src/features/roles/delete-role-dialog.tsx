import type { RoleDto } from '@gatehouse/shared';
import { ConfirmDialog } from '../../components/ui/dialog';
import { useDeleteRole } from './queries';

/** Asks before deleting a role and says that its assignments go too. */
export function DeleteRoleDialog({
  role,
  onClose,
  onDeleted,
}: {
  role: RoleDto | null;
  onClose: () => void;
  onDeleted: (role: RoleDto) => void;
}) {
  const del = useDeleteRole();
  const close = () => {
    del.reset();
    onClose();
  };
  return (
    <ConfirmDialog
      open={role !== null}
      title="Delete role"
      confirmLabel="Delete"
      busy={del.isPending}
      error={del.error?.message}
      onCancel={close}
      onConfirm={() => {
        if (!role) return;
        del.mutate(role.id, {
          onSuccess: () => {
            del.reset();
            onDeleted(role);
          },
        });
      }}
    >
      {role && (
        <>
          <p>
            Are you sure you want to delete the role <strong>{role.name}</strong> ({role.shortname})?
          </p>
          <p>
            All its role assignments are removed as well
            {role.assignedCount > 0 ? ` (${role.assignedCount} user(s) have it now)` : ''}: those users lose the
            capabilities it gave them at once. This cannot be undone.
          </p>
        </>
      )}
    </ConfirmDialog>
  );
}

import type { UserCreate } from '@gatehouse/shared';
import { useNavigate } from 'react-router';
import { Page } from '../components/layout/page';
import { useCurrentUser } from '../features/auth/queries';
import { useCreateUser } from '../features/users/queries';
import { EMPTY_USER, UserForm } from '../features/users/user-form';

export default function NewUserPage() {
  const me = useCurrentUser();
  const navigate = useNavigate();
  const create = useCreateUser();
  return (
    <Page title="Add a new user" cap="moodle/user:create" back={{ to: '/admin/users', label: 'Browse list of users' }}>
      <UserForm
        mode="create"
        initial={EMPTY_USER}
        canSetSiteAdmin={me.siteAdmin}
        cancelTo="/admin/users"
        onSave={(payload) => create.mutateAsync(payload as UserCreate)}
        onSaved={(user) =>
          navigate(`/admin/users?search=${encodeURIComponent(user.username)}`, {
            state: { flash: `Created user ${user.username}.` },
          })
        }
      />
    </Page>
  );
}

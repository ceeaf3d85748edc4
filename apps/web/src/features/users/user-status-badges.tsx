import type { UserDto } from '@gatehouse/shared';
import { Badge } from '../../components/ui/badge';

/** Everything unusual about an account, as badges; nothing for an ordinary active account. */
export function UserStatusBadges({ user }: { user: UserDto }) {
  return (
    <span className="flex flex-wrap gap-1">
      {user.deleted && <Badge tone="red">Deleted</Badge>}
      {user.suspended && !user.deleted && <Badge tone="red">Suspended</Badge>}
      {!user.confirmed && <Badge tone="amber">Unconfirmed</Badge>}
      {user.passwordExpired && <Badge tone="amber">Password expired</Badge>}
      {user.siteAdmin && <Badge tone="purple">Site admin</Badge>}
      {user.isGuest && <Badge>Guest</Badge>}
      {user.protected && <Badge tone="blue">Protected</Badge>}
    </span>
  );
}

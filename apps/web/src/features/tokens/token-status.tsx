import { TOKEN_STATUS_LABELS, type TokenDto, type TokenStatus } from '@gatehouse/shared';
import { Badge, type BadgeTone } from '../../components/ui/badge';
import { expiryText, formatTime, isoTime } from '../../lib/format';

const TONES: Record<TokenStatus, BadgeTone> = {
  valid: 'green',
  expired: 'red',
  iprestricted: 'blue',
  usernotauthorised: 'amber',
  missingcapabilities: 'amber',
  userunavailable: 'red',
  servicedisabled: 'gray',
};

/** What each status means and where to fix it (the seed FAQ's "Access control exception" list). */
const HINTS: Record<TokenStatus, string> = {
  valid: 'The token can be used.',
  expired: 'Valid until has passed: make a new token.',
  iprestricted: 'Only calls from the listed IP addresses are accepted.',
  usernotauthorised:
    'The service is for authorised users only and this user is not one (or their authorisation has expired): see External services › Authorised users.',
  missingcapabilities: 'The user lacks capabilities some functions of the service need.',
  userunavailable: 'The user is suspended, deleted, unconfirmed or cannot log in.',
  servicedisabled: 'The service is disabled: see External services.',
};

/** A token's statuses as badges; missing capabilities listed on hover and in an expandable list. */
export function TokenStatusBadges({ token }: { token: Pick<TokenDto, 'statuses' | 'missingCapabilities'> }) {
  return (
    <div className="flex flex-col items-start gap-1">
      <span className="flex flex-wrap gap-1">
        {token.statuses.map((s) => (
          <span key={s} title={s === 'missingcapabilities' ? token.missingCapabilities.join(', ') : HINTS[s]}>
            <Badge tone={TONES[s]}>{TOKEN_STATUS_LABELS[s]}</Badge>
          </span>
        ))}
      </span>
      {token.missingCapabilities.length > 0 && (
        <details className="text-xs text-slate-600">
          <summary className="cursor-pointer text-blue-700 hover:underline">
            Show missing capabilities ({token.missingCapabilities.length})
          </summary>
          <ul className="mt-1 list-disc pl-5 font-mono">
            {token.missingCapabilities.map((c) => (
              <li key={c}>{c}</li>
            ))}
          </ul>
        </details>
      )}
    </div>
  );
}

/**
 * A token's expiry as people read it ("expires in 2 days", "expired 3 days ago"), the exact date
 * and time on hover; red once expired, amber within a week.
 */
export function TokenExpiry({
  validUntil,
  now = Math.floor(Date.now() / 1000),
}: {
  validUntil: number | null;
  now?: number;
}) {
  if (validUntil === null) return <span className="text-slate-500">No expiry</span>;
  const tone = validUntil <= now ? 'text-red-700' : validUntil - now <= 7 * 86400 ? 'text-amber-800' : 'text-slate-700';
  return (
    <time dateTime={isoTime(validUntil)} title={`${formatTime(validUntil)} (${isoTime(validUntil)})`} className={tone}>
      {expiryText(validUntil, now)}
    </time>
  );
}

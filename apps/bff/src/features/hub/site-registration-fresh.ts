import { createCipheriv, createDecipheriv, createHash, hkdfSync, randomBytes, timingSafeEqual } from 'node:crypto';
import type { DbOrTx } from '../../db/client';
import { type WriteActor, withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { hubConfigValue, putHubConfigValue } from './hub-config.repo';
import type { SiteValues } from './hub-registration';
import { type HubSiteRow, insertOutboxMessage } from './hub-sites.repo';

// siteregistration.php's "fresh install on a previously registered url" (local_hub keeps the
// attempt in config plugin local_hub_unregistration, keyed by the registered site's id): a Moodle
// site without the registered site's secret registers at its URL. The registered site's contact
// gets a message with a link (freshmoodletoken, id); following it and confirming replaces the old
// registration by the new site's. Gatehouse keeps the attempt in the config table
// (hub_freshreg_<site id>): the link's token as a SHA-256 hash, the new site's secret sealed
// (AES-256-GCM under a key derived from the server secret) because the final redirect must hand it
// back to the new site; the row goes once used.

const DAY = 24 * 60 * 60;
const keyName = (siteId: number) => `hub_freshreg_${siteId}`;

export interface FreshAttempt {
  time: number;
  /** SHA-256 (hex) of the link's freshmoodletoken. */
  tokenHash: string;
  /** The registered site the attempt is about, as it was then. */
  siteUrl: string;
  siteName: string;
  /** The new site's address as it sent it (for the redirect) and its values. */
  newUrl: string;
  values: SiteValues;
  sealedSecret: string;
  ip: string;
}

const sha256 = (s: string) => createHash('sha256').update(s, 'utf8').digest('hex');

function sealKey(secret: Buffer): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, Buffer.alloc(0), 'gatehouse hub fresh registration', 32));
}

function seal(deps: Deps, plain: string): string {
  const iv = randomBytes(12);
  const c = createCipheriv('aes-256-gcm', sealKey(deps.tokenSecret), iv);
  const body = Buffer.concat([c.update(plain, 'utf8'), c.final()]);
  return Buffer.concat([iv, c.getAuthTag(), body]).toString('base64url');
}

function unseal(deps: Deps, sealed: string): string | undefined {
  try {
    const raw = Buffer.from(sealed, 'base64url');
    const d = createDecipheriv('aes-256-gcm', sealKey(deps.tokenSecret), raw.subarray(0, 12));
    d.setAuthTag(raw.subarray(12, 28));
    return Buffer.concat([d.update(raw.subarray(28)), d.final()]).toString('utf8');
  } catch {
    return undefined;
  }
}

export async function readFreshAttempt(db: DbOrTx, siteId: number): Promise<FreshAttempt | undefined> {
  const v = await hubConfigValue(db, keyName(siteId));
  if (!v) return undefined;
  try {
    return JSON.parse(v) as FreshAttempt;
  } catch {
    return undefined;
  }
}

/** Whether the link's token is the attempt's (compared in constant time). */
export function freshTokenMatches(a: FreshAttempt, token: string): boolean {
  const x = Buffer.from(a.tokenHash, 'hex');
  const y = Buffer.from(sha256(token), 'hex');
  return x.length === y.length && timingSafeEqual(x, y);
}

export const freshSecretOf = (deps: Deps, a: FreshAttempt) => unseal(deps, a.sealedSecret);

/**
 * Records the attempt and writes the registered site's contact the message with the link. An
 * attempt less than a day old stands: 'recent' (local_hub: freshmoodleregistrationerror2), and
 * nothing is sent again; an older one is replaced, with a new link (local_hub sends the old one
 * again; a new one means a link that leaked with an old message no longer works).
 */
export async function startFreshAttempt(
  deps: Deps,
  input: {
    registered: HubSiteRow;
    newUrl: string;
    values: SiteValues;
    secret: string;
    ip: string;
    hubName: string;
    hubUrl: string;
  },
  actor: WriteActor,
): Promise<'sent' | 'recent'> {
  const { registered: s, hubName, hubUrl } = input;
  const now = deps.now();
  const token = randomBytes(16).toString('hex');
  return withWrite(deps, async (tx, w) => {
    const before = await readFreshAttempt(tx, s.id);
    if (before && now <= before.time + DAY) return 'recent';
    const attempt: FreshAttempt = {
      time: now,
      tokenHash: sha256(token),
      siteUrl: s.url,
      siteName: s.name,
      newUrl: input.newUrl,
      values: input.values,
      sealedSecret: seal(deps, input.secret),
      ip: input.ip.slice(0, 45),
    };
    await putHubConfigValue(tx, keyName(s.id), JSON.stringify(attempt));
    // moodle_url('/local/hub/siteregistration.php', array('freshmoodletoken' => …, 'id' => …))->out(false)
    const link = `${hubUrl}/local/hub/siteregistration.php?freshmoodletoken=${token}&id=${s.id}`;
    await insertOutboxMessage(tx, {
      time: now,
      kind: 'urlalreadyregistered',
      siteId: s.id,
      siteName: s.name,
      siteUrl: s.url,
      toName: s.contactName,
      toEmail: s.contactEmail,
      subject: `A new Moodle site wants to register with ${hubName} at the URL of ${s.name}`,
      body: [
        `Dear ${s.contactName || 'site administrator'},`,
        '',
        `A Moodle site that does not have the secret of ${s.name} tried to register with the hub "${hubName}" (${hubUrl}) at ${s.url}, where ${s.name} is registered.`,
        `If it is a new installation of your site and you want it to take over the registration (the published courses stay), go to ${link}`,
        'If you do not know of a new installation, ignore this message: nothing changes.',
      ].join('\n'),
    });
    w.audit(actor, {
      action: 'hub.site.urlclash',
      targetType: 'hubsite',
      targetId: s.id,
      summary: `A site without the secret of ${s.name} tried to register at ${s.url}; its contact was sent a link to let the new site take over the registration`,
    });
    w.invalidate({ kind: 'hub' });
    return 'sent';
  });
}

/** The attempt is used: its row goes, in the caller's write. */
export async function dropFreshAttemptIn(tx: DbOrTx, siteId: number): Promise<void> {
  await putHubConfigValue(tx, keyName(siteId), null);
}

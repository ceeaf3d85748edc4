import { PROTOCOLS, type Protocol, parseProtocols } from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { type WriteScope, withWrite } from '../../db/write';
import type { Deps } from '../../deps';
import { DomainError } from '../../lib/errors';
import type { Actor } from '../audit/audit.service';
import { AUTHENTICATED_ROLE } from '../roles/authz';
import { putRolePermission } from '../roles/roles.repo';
import { MOBILE_SERVICE } from '../services/builtin';
import { findServiceByShortname, listServiceRows, updateServiceRow } from '../services/services.repo';

const MOBILE_PROTOCOLS: Protocol[] = ['xmlrpc', 'rest'];
const MOBILE_CAPS = ['webservice/xmlrpc:use', 'webservice/rest:use'] as const;

type MobilePartKey = 'webservices' | 'service' | 'xmlrpc' | 'rest' | 'cap_xmlrpc' | 'cap_rest';

interface MobilePart {
  key: MobilePartKey;
  label: string;
  ok: boolean;
}

export interface MobileChange {
  kind: 'setting' | 'service' | 'protocol' | 'capability';
  name: string;
  from: string;
  to: string;
}

export interface MobileState {
  /** The checkbox: on only when every part of "enabled" holds. */
  enabled: boolean;
  /** The stored setting (enablemobilewebservice), which may disagree when a part was changed elsewhere. */
  setting: boolean;
  parts: MobilePart[];
  missing: MobilePart[];
  otherEnabledServices: string[];
}

async function mobileService(db: DbOrTx) {
  const s = await findServiceByShortname(db, MOBILE_SERVICE);
  if (!s) throw new DomainError('internal', 'The built-in mobile service is missing');
  return s;
}

function authenticatedCap(deps: Deps, cap: string): boolean {
  const role = deps.authz.roleByShortname(AUTHENTICATED_ROLE);
  return role?.caps.get(cap) === 'allow';
}

/** The names of the enabled services other than the mobile one (there are few services). */
async function otherEnabledServices(db: DbOrTx, mobileId: number): Promise<string[]> {
  return (await listServiceRows(db)).filter((r) => r.enabled && r.id !== mobileId).map((r) => r.name);
}

export async function mobileState(deps: Deps): Promise<MobileState> {
  const s = await mobileService(deps.store.db);
  const protocols = parseProtocols(deps.settings.get('webserviceprotocols'));
  const parts: MobilePart[] = [
    {
      key: 'webservices',
      label: 'Web services enabled (Advanced features)',
      ok: deps.settings.flag('enablewebservices'),
    },
    { key: 'service', label: "Built-in service 'Mobile web services' enabled", ok: s.enabled },
    { key: 'xmlrpc', label: 'XML-RPC protocol enabled', ok: protocols.includes('xmlrpc') },
    { key: 'rest', label: 'REST protocol enabled', ok: protocols.includes('rest') },
    {
      key: 'cap_xmlrpc',
      label: "webservice/xmlrpc:use allowed for 'Authenticated user'",
      ok: authenticatedCap(deps, 'webservice/xmlrpc:use'),
    },
    {
      key: 'cap_rest',
      label: "webservice/rest:use allowed for 'Authenticated user'",
      ok: authenticatedCap(deps, 'webservice/rest:use'),
    },
  ];
  const others = await otherEnabledServices(deps.store.db, s.id);
  const missing = parts.filter((p) => !p.ok);
  return {
    enabled: missing.length === 0,
    setting: deps.settings.flag('enablemobilewebservice'),
    parts,
    missing,
    otherEnabledServices: others,
  };
}

async function setCapability(
  deps: Deps,
  tx: DbOrTx,
  w: WriteScope,
  actor: Actor,
  cap: string,
  allow: boolean,
  changes: MobileChange[],
) {
  const role = deps.authz.roleByShortname(AUTHENTICATED_ROLE);
  if (!role) throw new DomainError('internal', 'The Authenticated user role is missing');
  const current = role.caps.get(cap) ?? 'notset';
  const target = allow ? 'allow' : 'notset';
  if (current === target) return;
  await putRolePermission(tx, role.id, cap, allow ? 'allow' : null);
  w.invalidate({ kind: 'roles', id: role.id });
  w.audit(actor, {
    action: 'mobile.capability',
    targetType: 'role',
    targetId: role.id,
    summary: `${allow ? 'Allowed' : 'Removed'} ${cap} for ${role.name}`,
    details: { capability: cap, from: current, to: target },
  });
  changes.push({ kind: 'capability', name: `${cap} (${role.name})`, from: current, to: target });
}

/**
 * Enable web services for mobile devices, exactly as Moodle's "Mobile web services" page says:
 * enabling turns on web services, the built-in mobile service, XML-RPC and REST, and allows both
 * protocol capabilities for Authenticated user; disabling turns the mobile service off and, if it
 * was the only enabled service, undoes the rest. One transaction; every part audited.
 */
export async function setMobile(
  deps: Deps,
  enable: boolean,
  actor: Actor,
): Promise<{ changes: MobileChange[]; state: MobileState }> {
  const changes: MobileChange[] = [];
  await withWrite(deps, async (tx, w) => {
    const s = await mobileService(tx);
    const protocols = parseProtocols(deps.settings.get('webserviceprotocols'));
    const settingChange = async (patch: Parameters<Deps['settings']['apply']>[0]) => {
      for (const c of await deps.settings.applyIn(tx, w, patch, actor)) {
        changes.push({
          kind: c.name === 'webserviceprotocols' ? 'protocol' : 'setting',
          name: c.name,
          from: c.from,
          to: c.to,
        });
      }
    };
    const setService = async (enabled: boolean) => {
      if (s.enabled === enabled) return;
      await updateServiceRow(tx, s.id, { enabled, timemodified: deps.now() });
      w.invalidate({ kind: 'service', id: s.id });
      w.audit(actor, {
        action: 'mobile.service',
        targetType: 'service',
        targetId: s.id,
        summary: `${enabled ? 'Enabled' : 'Disabled'} the service ${s.name}`,
      });
      changes.push({
        kind: 'service',
        name: s.name,
        from: s.enabled ? 'enabled' : 'disabled',
        to: enabled ? 'enabled' : 'disabled',
      });
    };
    if (enable) {
      const withMobile = PROTOCOLS.filter((p) => protocols.includes(p) || MOBILE_PROTOCOLS.includes(p));
      await settingChange({
        enablewebservices: '1',
        enablemobilewebservice: '1',
        webserviceprotocols: withMobile.join(','),
      });
      await setService(true);
      for (const cap of MOBILE_CAPS) await setCapability(deps, tx, w, actor, cap, true, changes);
    } else {
      const onlyEnabled = (await otherEnabledServices(tx, s.id)).length === 0;
      await setService(false);
      if (onlyEnabled) {
        const without = protocols.filter((p) => !MOBILE_PROTOCOLS.includes(p));
        await settingChange({
          enablemobilewebservice: '0',
          enablewebservices: '0',
          webserviceprotocols: without.join(','),
        });
        for (const cap of MOBILE_CAPS) await setCapability(deps, tx, w, actor, cap, false, changes);
      } else {
        await settingChange({ enablemobilewebservice: '0' });
      }
    }
  });
  await deps.settings.ready();
  await deps.authz.ready();
  return { changes, state: await mobileState(deps) };
}

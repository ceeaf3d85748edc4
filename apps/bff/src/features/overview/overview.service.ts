import type { Deps } from '../../deps';
import {
  anyTokenSucceeded,
  countAuthorisedUsers,
  countRolesAllowing,
  countTokensByExpiry,
  countWebServiceUsers,
  listEnabledServices,
  listExpiredAuthorisations,
} from './overview.repo';

interface OverviewStep {
  title: string;
  description: string;
  done: boolean;
  /** What the live check found, in words. */
  status: string;
  link: string;
}

/** Something on the site that stops calls or soon will, with the page that fixes it. */
interface OverviewWarning {
  id: 'tokensexpired' | 'tokensexpiring' | 'authorisationsexpired';
  text: string;
  link: string;
  linkLabel: string;
  /** The first few things concerned, each with its own page. */
  items: { text: string; link: string }[];
}

const DAY = 86_400;
/** Tokens expiring within this many days get a warning. */
const EXPIRING_WARNING_DAYS = 7;
/** The expired authorised users the warning names (the rest are counted). */
const LISTED_AUTHORISATIONS = 10;

const plural = (n: number, one: string, many = `${one}s`) => `${n} ${n === 1 ? one : many}`;

/**
 * Plugins > Web services > Overview: Moodle's two checklists, each step with a live status
 * read from the settings and the store, and the page that fixes it. A step is done only while
 * what it asks for holds: enabled protocols, the use
 * capabilities of those protocols, authorised users whose Valid until has not passed on
 * enabled services, tokens not expired. Steps with the same title in both lists are the same
 * step, except where the users' list counts only the services open to all users, the
 * "Add functions" step with it (so "Add functions" is never done while "Select a service" is not).
 * Warnings name what refuses calls today: expired tokens still listed, tokens about to expire,
 * authorised users past their Valid until.
 */
export async function overview(deps: Deps) {
  const { db } = deps.store;
  const now = deps.now();
  const wsOn = deps.settings.flag('enablewebservices');
  const enabled = deps.settings.protocols();
  const [wsUsers, rolesWithProtocolCap, enabledServices, authorised, tokens, used, rolesWithCreateToken, expiredAuth] =
    await Promise.all([
      countWebServiceUsers(db),
      countRolesAllowing(
        db,
        enabled.map((p) => `webservice/${p}:use`),
      ),
      listEnabledServices(db),
      countAuthorisedUsers(db, now),
      countTokensByExpiry(db, now, EXPIRING_WARNING_DAYS * DAY),
      anyTokenSucceeded(db),
      countRolesAllowing(db, ['moodle/webservice:createtoken']),
      listExpiredAuthorisations(db, now, LISTED_AUTHORISATIONS),
    ]);
  const pendingUse = deps.usage.hasPendingSuccess();
  const docs = deps.settings.flag('enablewsdocumentation');
  const authenticated = deps.authz.roleByShortname('user');
  const openServices = enabledServices.filter((s) => !s.restrictedUsers);
  const createTokenAllowed = !!authenticated && authenticated.caps.get('moodle/webservice:createtoken') === 'allow';
  const tested = used || pendingUse;
  const unexpiredTokens = tokens.all - tokens.expired;

  const enableStep: OverviewStep = {
    title: 'Enable web services',
    description: 'Web services must be enabled in Advanced features.',
    done: wsOn,
    status: wsOn ? 'Web services are enabled' : 'Web services are disabled',
    link: '/admin/advanced-features',
  };
  const protocolStep: OverviewStep = {
    title: 'Enable protocols',
    description:
      'At least one protocol should be enabled. For security reasons, only protocols that are to be used should be enabled.',
    done: enabled.length > 0,
    status: enabled.length ? `Enabled: ${enabled.join(', ')}` : 'No protocol is enabled',
    link: '/admin/webservice/protocols',
  };
  const serviceStep = (open: boolean): OverviewStep => {
    const list = open ? openServices : enabledServices;
    return {
      title: 'Select a service',
      description: open
        ? 'A service is a set of web service functions. You will allow the users to access a new service.'
        : 'A service is a set of web service functions. You will allow the user to access a new service. On the Add service page, check the Enable and Authorised users options.',
      done: list.length > 0,
      status: list.length
        ? `${list.length} enabled service(s)${open ? ' open to all users' : ''}`
        : open
          ? 'No enabled service open to all users'
          : 'No enabled service',
      link: '/admin/webservice/services',
    };
  };
  const functionsStep = (open: boolean): OverviewStep => {
    const list = (open ? openServices : enabledServices).filter((s) => s.hasFunctions);
    return {
      title: 'Add functions',
      description: 'Select required functions for the newly created service.',
      done: list.length > 0,
      status: list.length
        ? `${list.length} enabled service(s)${open ? ' open to all users' : ''} with functions`
        : open
          ? 'No enabled service open to all users has functions yet'
          : 'No enabled service has functions yet',
      link: '/admin/webservice/services',
    };
  };
  const testStep: OverviewStep = {
    title: 'Test the service',
    description:
      'Simulate external access to the service using the web service test client. Before doing so, login as a user with the capability.',
    done: tested,
    status: tested ? 'A token has been used' : 'No token has been used yet',
    link: '/admin/webservice/testclient',
  };

  const warnings: OverviewWarning[] = [];
  if (tokens.expired) {
    warnings.push({
      id: 'tokensexpired',
      text: `${plural(tokens.expired, 'expired token is', 'expired tokens are')} still listed: ${tokens.expired === 1 ? 'it refuses' : 'they refuse'} every call. Delete ${tokens.expired === 1 ? 'it' : 'them'} or give ${tokens.expired === 1 ? 'it' : 'them'} a new Valid until.`,
      link: '/admin/webservice/tokens?expired=true',
      linkLabel: 'Show the expired tokens',
      items: [],
    });
  }
  if (tokens.expiringSoon) {
    warnings.push({
      id: 'tokensexpiring',
      text: `${plural(tokens.expiringSoon, 'token expires', 'tokens expire')} within ${EXPIRING_WARNING_DAYS} days.`,
      link: `/admin/webservice/tokens?expiringWithin=${EXPIRING_WARNING_DAYS}`,
      linkLabel: 'Show the tokens expiring soon',
      items: [],
    });
  }
  if (authorised.expired) {
    const services = new Set(expiredAuth.map((a) => a.serviceId));
    const [only] = services;
    warnings.push({
      id: 'authorisationsexpired',
      text: `${plural(authorised.expired, 'authorised user is', 'authorised users are')} past ${authorised.expired === 1 ? 'its' : 'their'} Valid until: the service refuses ${authorised.expired === 1 ? 'its' : 'their'} calls.`,
      link:
        services.size === 1 && authorised.expired === expiredAuth.length
          ? `/admin/webservice/services/${only}/users`
          : '/admin/webservice/services',
      linkLabel: services.size === 1 ? 'Show the authorised users' : 'Show the services',
      items: expiredAuth.map((a) => ({
        text: `${`${a.firstname} ${a.lastname}`.trim() || a.username} on ${a.serviceName}`,
        link: `/admin/webservice/services/${a.serviceId}/users/${a.userId}`,
      })),
    });
  }

  return {
    checklists: [
      {
        id: 'system',
        title: 'Allow an external system to control the site',
        description:
          'The following steps help you to set up web services to allow an external system to interact with the site.',
        steps: [
          enableStep,
          protocolStep,
          {
            title: 'Create a specific user',
            description: 'A web services user is required to represent the system controlling the site.',
            done: wsUsers > 0,
            status: wsUsers
              ? `${wsUsers} user(s) with web services authentication`
              : 'No user with web services authentication',
            link: '/admin/users/new',
          },
          {
            title: 'Check user capability',
            description:
              'The user should have appropriate capabilities according to the protocols used, for example webservice/rest:use, webservice/soap:use.',
            done: rolesWithProtocolCap > 0,
            status: !enabled.length
              ? 'No protocol is enabled'
              : rolesWithProtocolCap
                ? `${rolesWithProtocolCap} role(s) allow the use capability of an enabled protocol`
                : `No role allows ${enabled.map((p) => `webservice/${p}:use`).join(' or ')}`,
            link: '/admin/roles',
          },
          serviceStep(false),
          functionsStep(false),
          {
            title: 'Select a specific user',
            description: 'Add the web services user as an authorised user.',
            done: authorised.active > 0,
            status: [
              authorised.active ? `${authorised.active} authorised user(s)` : 'No authorised user',
              authorised.expired ? `${authorised.expired} past their Valid until` : '',
            ]
              .filter(Boolean)
              .join('; '),
            link: '/admin/webservice/services',
          },
          {
            title: 'Create a token for a user',
            description: 'Create a token for the web services user.',
            done: unexpiredTokens > 0,
            status: [
              unexpiredTokens ? `${unexpiredTokens} token(s)` : 'No token',
              tokens.expired ? `${tokens.expired} expired` : '',
            ]
              .filter(Boolean)
              .join('; '),
            link: '/admin/webservice/tokens/new',
          },
          {
            title: 'Enable developer documentation',
            description: 'Detailed web services documentation is available for enabled protocols.',
            done: docs,
            status: docs ? 'Documentation is enabled' : 'Documentation is disabled',
            link: '/admin/webservice/protocols',
          },
          testStep,
        ],
      },
      {
        id: 'users',
        title: 'Users as clients with token',
        description:
          'The following steps help you to set up web services where users are clients that get their own token.',
        steps: [
          enableStep,
          protocolStep,
          serviceStep(true),
          functionsStep(true),
          {
            title: 'Check users capability',
            description:
              'The users should have the capability moodle/webservice:createtoken and the protocol capabilities they use.',
            done: createTokenAllowed || rolesWithCreateToken > 0,
            status: createTokenAllowed
              ? 'Authenticated user may create tokens'
              : rolesWithCreateToken
                ? `${rolesWithCreateToken} role(s) allow moodle/webservice:createtoken`
                : 'No role allows moodle/webservice:createtoken',
            link: '/admin/roles',
          },
          testStep,
        ],
      },
    ],
    warnings,
  };
}

import { PROTOCOLS, parseProtocols } from '@gatehouse/shared';
import type { Deps } from '../../deps';
import {
  countAuthorisedUsers,
  countRolesAllowing,
  countTokens,
  countWebServiceUsers,
  listEnabledServices,
} from './overview.repo';

interface OverviewStep {
  title: string;
  description: string;
  done: boolean;
  /** What the live check found, in words. */
  status: string;
  link: string;
}

/**
 * Plugins > Web services > Overview: Moodle's two checklists, each step with a live status
 * read from the settings and the store, and the page that fixes it.
 */
export async function overview(deps: Deps) {
  const { db } = deps.store;
  const wsOn = deps.settings.flag('enablewebservices');
  const protocols = parseProtocols(deps.settings.get('webserviceprotocols'));
  const [wsUsers, rolesWithProtocolCap, enabledServices, authorised, tokens, used, rolesWithCreateToken] =
    await Promise.all([
      countWebServiceUsers(db),
      countRolesAllowing(
        db,
        PROTOCOLS.map((p) => `webservice/${p}:use`),
      ),
      listEnabledServices(db),
      countAuthorisedUsers(db),
      countTokens(db),
      countTokens(db, { used: true }),
      countRolesAllowing(db, ['moodle/webservice:createtoken']),
    ]);
  const withFunctions = enabledServices.filter((s) => s.hasFunctions);
  const pendingUse = deps.usage.hasPending();
  const docs = deps.settings.flag('enablewsdocumentation');
  const authenticated = deps.authz.roleByShortname('user');
  const openServices = enabledServices.filter((s) => !s.restrictedUsers);
  const createTokenAllowed = !!authenticated && authenticated.caps.get('moodle/webservice:createtoken') === 'allow';
  const tested = used > 0 || pendingUse;

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
    done: protocols.length > 0,
    status: protocols.length ? `Enabled: ${protocols.join(', ')}` : 'No protocol is enabled',
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
        : 'No enabled service',
      link: '/admin/webservice/services',
    };
  };
  const functionsStep: OverviewStep = {
    title: 'Add functions',
    description: 'Select required functions for the newly created service.',
    done: withFunctions.length > 0,
    status: withFunctions.length
      ? `${withFunctions.length} enabled service(s) with functions`
      : 'No enabled service has functions yet',
    link: '/admin/webservice/services',
  };
  const testStep: OverviewStep = {
    title: 'Test the service',
    description:
      'Simulate external access to the service using the web service test client. Before doing so, login as a user with the capability.',
    done: tested,
    status: tested ? 'A token has been used' : 'No token has been used yet',
    link: '/admin/webservice/testclient',
  };

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
            status: rolesWithProtocolCap
              ? `${rolesWithProtocolCap} role(s) allow a protocol capability`
              : 'No role allows a protocol capability',
            link: '/admin/roles',
          },
          serviceStep(false),
          functionsStep,
          {
            title: 'Select a specific user',
            description: 'Add the web services user as an authorised user.',
            done: authorised > 0,
            status: authorised ? `${authorised} authorised user(s)` : 'No authorised user',
            link: '/admin/webservice/services',
          },
          {
            title: 'Create a token for a user',
            description: 'Create a token for the web services user.',
            done: tokens > 0,
            status: tokens ? `${tokens} token(s)` : 'No token',
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
          functionsStep,
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
  };
}

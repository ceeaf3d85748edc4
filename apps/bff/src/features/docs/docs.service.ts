import {
  curlExamples,
  ExternalValidationError,
  type FunctionDocDto,
  type FunctionDocsDto,
  type OpenApiDocumentsDto,
  type Protocol,
  parseProtocols,
  validateParameters,
  type WsErrorDto,
} from '@gatehouse/shared';
import type { Deps } from '../../deps';
import { DomainError, notFound } from '../../lib/errors';
import type { ExternalFunction } from '../../webservice/types';
import { serviceFunctionNames } from '../services/service-capabilities';
import { functionSummary, listServices } from '../services/services.service';
import { findOwnKey } from './docs.repo';
import { exampleArgs } from './examples';

/** An error the function really gives for bad input, from the real validator. */
function errorExample(f: ExternalFunction): WsErrorDto {
  const hasRequired = Object.values(f.parameters.keys).some((d) => d.presence === 'required');
  let debuginfo = '';
  try {
    validateParameters(f.parameters, hasRequired ? {} : { unexpected: 1 });
  } catch (e) {
    if (e instanceof ExternalValidationError) debuginfo = e.message;
  }
  return {
    exception: 'invalid_parameter_exception',
    errorcode: 'invalidparameter',
    message: 'Invalid parameter value detected',
    debuginfo,
  };
}

function functionDoc(f: ExternalFunction, baseUrl: string, protocols: readonly Protocol[]): FunctionDocDto {
  const args = exampleArgs(f);
  const all = curlExamples(baseUrl, f.name, f.parameters, args);
  const examples = {
    ...(protocols.includes('rest') ? { restForm: all.restForm, restJson: all.restJson } : {}),
    ...(protocols.includes('xmlrpc') ? { xmlrpc: all.xmlrpc } : {}),
    ...(protocols.includes('soap') ? { soap: all.soap } : {}),
    ...(protocols.includes('amf') ? { amf: all.amf } : {}),
  };
  return {
    ...functionSummary(f),
    parameters: f.parameters,
    returns: f.returns,
    exampleArgs: args,
    examples,
    errorExample: errorExample(f),
  };
}

/** The admin's documentation: every function, examples for every protocol Gatehouse speaks. */
export function adminDocs(deps: Deps, baseUrl: string): FunctionDocsDto {
  const protocols: Protocol[] = ['rest', 'xmlrpc', 'soap', 'amf'];
  return {
    baseUrl,
    protocols,
    enabledProtocols: parseProtocols(deps.settings.get('webserviceprotocols')),
    functions: deps.catalogue.all.map((f) => functionDoc(f, baseUrl, protocols)),
  };
}

/** A user's documentation for one key: its service's functions, the enabled protocols only. */
export function keyDocs(deps: Deps, baseUrl: string, functionNames: readonly string[]): FunctionDocsDto {
  const protocols = parseProtocols(deps.settings.get('webserviceprotocols'));
  const fns = functionNames.map((n) => deps.catalogue.get(n)).filter((f): f is ExternalFunction => !!f);
  return {
    baseUrl,
    protocols,
    enabledProtocols: protocols,
    functions: fns.map((f) => functionDoc(f, baseUrl, protocols)),
  };
}

/** The file name a downloaded OpenAPI document gets: all functions, or one service's. */
export function openApiFilename(shortname: string | null): string {
  // Short names are [a-z0-9_] (the service schema); anything else is dropped, so the name is
  // always safe inside a Content-Disposition header and on any file system.
  return shortname === null
    ? 'gatehouse-all-functions.openapi.json'
    : `gatehouse-${shortname.replace(/[^a-z0-9_]/g, '') || 'service'}.openapi.json`;
}

/** The functions of a service that the catalogue knows, as its OpenAPI document lists them. */
export async function serviceCatalogueFunctions(deps: Deps, serviceId: number): Promise<ExternalFunction[]> {
  return (await serviceFunctionNames(deps.store.db, serviceId))
    .map((n) => deps.catalogue.get(n))
    .filter((f): f is ExternalFunction => !!f);
}

/**
 * The OpenAPI documents page: every document the viewer (a site configuration holder) may
 * download, everything and one per service, with its download link and the functions it holds.
 * Names are data: the SPA renders them as text.
 */
export async function openApiDocuments(deps: Deps) {
  const { builtin, custom } = await listServices(deps);
  return {
    baseUrl: deps.env.wwwroot,
    all: {
      functionCount: deps.catalogue.all.length,
      href: '/api/docs/openapi.json?download=1',
      filename: openApiFilename(null),
    },
    services: await Promise.all(
      [...builtin, ...custom].map(async (s) => {
        const functions = (await serviceCatalogueFunctions(deps, s.id)).map((f) => f.name);
        return {
          id: s.id,
          name: s.name,
          shortname: s.shortname,
          enabled: s.enabled,
          builtin: s.builtin,
          functionCount: functions.length,
          functions,
          href: `/api/docs/openapi/services/${s.id}?download=1`,
          filename: openApiFilename(s.shortname),
        };
      }),
    ),
  } satisfies OpenApiDocumentsDto;
}

/**
 * Preferences > Security keys > Documentation: the user's own visible key, with its service.
 * Refused while documentation is disabled (before anything is read); another user's key, or a
 * hidden one, is not found.
 */
export async function ownKeyForDocs(deps: Deps, userId: number, keyId: number) {
  if (!deps.settings.flag('enablewsdocumentation')) {
    throw new DomainError('docsdisabled', 'Web services documentation is not enabled on this site');
  }
  const row = await findOwnKey(deps.store.db, keyId, userId);
  if (!row) throw notFound('Security key');
  return row;
}

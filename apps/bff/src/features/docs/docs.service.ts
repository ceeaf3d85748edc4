import {
  curlExamples,
  ExternalValidationError,
  type Protocol,
  parseProtocols,
  validateParameters,
} from '@gatehouse/shared';
import type { Deps } from '../../context';
import { catalogue } from '../../webservice/catalogue';
import type { ExternalFunction } from '../../webservice/types';
import { functionSummary } from '../services/services.service';
import { exampleArgs } from './examples';

/** An error the function really gives for bad input, from the real validator. */
function errorExample(f: ExternalFunction) {
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

export function functionDoc(f: ExternalFunction, baseUrl: string, protocols: readonly Protocol[]) {
  const args = exampleArgs(f.name, f.parameters);
  const all = curlExamples(baseUrl, f.name, f.parameters, args);
  const examples = {
    ...(protocols.includes('rest') ? { restForm: all.restForm, restJson: all.restJson } : {}),
    ...(protocols.includes('xmlrpc') ? { xmlrpc: all.xmlrpc } : {}),
    ...(protocols.includes('soap') ? { soap: all.soap } : {}),
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
export type FunctionDoc = ReturnType<typeof functionDoc>;

/** The admin's documentation: every function, examples for every protocol Gatehouse speaks. */
export function adminDocs(deps: Deps, baseUrl: string) {
  const protocols: Protocol[] = ['rest', 'xmlrpc', 'soap'];
  return {
    baseUrl,
    protocols,
    enabledProtocols: parseProtocols(deps.settings.get('webserviceprotocols')),
    functions: catalogue.all.map((f) => functionDoc(f, baseUrl, protocols)),
  };
}

/** A user's documentation for one key: its service's functions, the enabled protocols only. */
export function keyDocs(deps: Deps, baseUrl: string, functionNames: readonly string[]) {
  const protocols = parseProtocols(deps.settings.get('webserviceprotocols')).filter((p) => p !== 'amf');
  const fns = functionNames.map((n) => catalogue.get(n)).filter((f): f is ExternalFunction => !!f);
  return {
    baseUrl,
    protocols,
    enabledProtocols: protocols,
    functions: fns.map((f) => functionDoc(f, baseUrl, protocols)),
  };
}

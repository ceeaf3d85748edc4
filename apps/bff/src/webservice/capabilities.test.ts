import { sampleValue, single, value } from '@gatehouse/shared';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Deps } from '../deps';
import { createCatalogue } from './catalogue';
import { FUNCTIONS } from './functions';
import {
  ALL_FUNCTIONS_SERVICE,
  type CatalogueTest,
  callError,
  callFunction,
  makeCatalogueTest,
  type TestService,
} from './functions/test-helpers';
import { always, defineFunction, perRecord } from './types';

// The call pipeline enforces the capabilities a function's description requires for any call
// ('call', Moodle's system-context checks) before the function runs, after its parameters are
// validated, with Moodle's required_capability_exception. The capabilities Moodle checks per
// record ('function') are documented only: the function checks them where the data is known.

/** What the probe functions' code saw: one entry per run. */
const ran: string[] = [];

const probeParameters = single({ n: value('int', 'A number') });
const probeReturns = single({ n: value('int', 'The same number') });

/** Requires moodle/user:create for any call, and checks nothing itself. */
const requiresCreate = defineFunction({
  name: 'local_probe_requires',
  component: 'local_probe',
  description: 'A probe that requires a capability for any call.',
  type: 'read',
  capabilities: [always('moodle/user:create', 'Create users')],
  parameters: probeParameters,
  returns: probeReturns,
  execute(_ctx, { n }) {
    ran.push('requires');
    return { n };
  },
});

/** Documents moodle/user:create as checked per record, and checks nothing itself. */
const perRecordCreate = defineFunction({
  name: 'local_probe_per_record',
  component: 'local_probe',
  description: 'A probe whose capability is checked per record, by the function.',
  type: 'read',
  capabilities: [perRecord('moodle/user:create', 'in the context of each record')],
  parameters: probeParameters,
  returns: probeReturns,
  execute(_ctx, { n }) {
    ran.push('per-record');
    return { n };
  },
});

const PROBES: TestService = {
  shortname: 'probes',
  name: 'Probes',
  downloadFiles: false,
  uploadFiles: false,
  functions: [requiresCreate.name, perRecordCreate.name],
};

let t: CatalogueTest;
/** The test site with a catalogue that also holds the probes. */
let deps: Deps;
beforeAll(async () => {
  t = await makeCatalogueTest();
  deps = { ...t.deps, catalogue: createCatalogue([...FUNCTIONS, requiresCreate, perRecordCreate]) };
});
afterAll(() => t.close());

describe('the capabilities a function requires for any call', () => {
  it('are refused before the function runs, as Moodle refuses them', async () => {
    ran.length = 0;
    const e = await callError(deps, requiresCreate.name, 'student', { n: 1 }, PROBES);
    expect(e).toMatchObject({
      exception: 'required_capability_exception',
      errorcode: 'nopermissions',
      message: 'Sorry, but you do not currently have permissions to do that (Create users).',
      debuginfo: 'moodle/user:create',
    });
    expect(ran).toEqual([]);
  });

  it('come after the parameters: bad parameters are reported first', async () => {
    ran.length = 0;
    const e = await callError(deps, requiresCreate.name, 'student', { n: 'one' }, PROBES);
    expect(e).toMatchObject({ exception: 'invalid_parameter_exception', errorcode: 'invalidparameter' });
    expect(ran).toEqual([]);
  });

  it('let a holder through to the function', async () => {
    ran.length = 0;
    expect(await callFunction(deps, requiresCreate.name, 'manager', { n: 7 }, PROBES)).toEqual({ n: 7 });
    expect(ran).toEqual(['requires']);
  });

  it('leave the capabilities checked per record to the function', async () => {
    ran.length = 0;
    expect(await callFunction(deps, perRecordCreate.name, 'student', { n: 3 }, PROBES)).toEqual({ n: 3 });
    expect(ran).toEqual(['per-record']);
  });
});

describe('the catalogue', () => {
  it('documents every capability with how it is checked, and the pipeline checks exactly the call ones', () => {
    for (const f of FUNCTIONS) {
      expect(f.capabilities, f.name).toEqual(f.capabilityChecks.map((c) => c.capability));
      expect(f.requiredCapabilities, f.name).toEqual(
        f.capabilityChecks.flatMap((c) => (c.checkedBy === 'call' ? [{ capability: c.capability, what: c.what }] : [])),
      );
    }
  });

  const required = FUNCTIONS.filter((f) => f.requiredCapabilities.length > 0);

  it('has functions whose capabilities the pipeline checks', () => {
    expect(required.map((f) => f.name)).toEqual(
      expect.arrayContaining(['core_user_create_users', 'core_message_send_instant_messages', 'hub_get_info']),
    );
  });

  // The guest account holds no capability: every function that requires one for any call refuses
  // it, with the first capability its description names, whatever its arguments ask.
  it.each(required.map((f) => [f.name, f] as const))('%s refuses a caller without its capability', async (_, f) => {
    const args = f.example ?? sampleValue(f.parameters);
    const e = await callError(t.deps, f.name, 'guest', args, ALL_FUNCTIONS_SERVICE);
    const [first] = f.requiredCapabilities;
    expect(e).toMatchObject({
      exception: 'required_capability_exception',
      errorcode: 'nopermissions',
      message: `Sorry, but you do not currently have permissions to do that (${first?.what}).`,
      debuginfo: first?.capability,
    });
  });
});

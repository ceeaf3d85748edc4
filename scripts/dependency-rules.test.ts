// The import rules of .dependency-cruiser.cjs (part of `pnpm lint`) refuse what they say they
// refuse and let the layers' ordinary imports through: a small workspace made of one-line modules,
// laid out as Gatehouse is, is cruised with the real configuration, and the lint's violations are
// compared with the ones each module was written to commit.
import { spawnSync } from 'node:child_process';
import { copyFileSync, mkdirSync, mkdtempSync, rmSync, symlinkSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { dirname, join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';

const root = join(import.meta.dirname, '..');
const BFF = 'apps/bff/src';
const WEB = 'apps/web/src';

/** path → source. Each module's imports are the edges under test. */
const FILES: Record<string, string> = {
  // ---- what the layers allow ----
  [`${BFF}/app.ts`]: `import type { Deps } from './deps';\nimport { thingRoutes } from './features/things/things.routes';\nimport { restRoutes } from './webservice/protocols/rest';\nexport const app = (d: Deps) => [thingRoutes, restRoutes, d];`,
  [`${BFF}/boot.ts`]: `import { createDeps } from './context';\nexport const boot = createDeps;`,
  [`${BFF}/context.ts`]: `import type { Deps } from './deps';\nimport { createCatalogue } from './webservice/catalogue';\nimport { FUNCTIONS } from './webservice/functions';\nexport const createDeps = (): Deps => ({ catalogue: createCatalogue(FUNCTIONS) });`,
  [`${BFF}/deps.ts`]: `export interface Catalogue { all: readonly string[] }\nexport interface Deps { catalogue: Catalogue }`,
  [`${BFF}/db/client.ts`]: `import { sql } from 'drizzle-orm';\nimport { things } from './schema';\nexport const db = [sql, things];`,
  [`${BFF}/db/schema/index.ts`]: `export const things = 'things';`,
  [`${BFF}/lib/http-error.ts`]: `export class HttpError extends Error {}`,
  [`${BFF}/features/things/things.repo.ts`]: `import { eq } from 'drizzle-orm';\nimport { things } from '../../db/schema';\nexport const findThing = () => [eq, things];`,
  [`${BFF}/features/things/things.service.ts`]: `import type { Deps } from '../../deps';\nimport { HttpError } from '../../lib/http-error';\nimport { MoodleException } from '../../webservice/exceptions';\nimport { findThing } from './things.repo';\nexport const thing = (d: Deps) => [d, HttpError, MoodleException, findThing];`,
  [`${BFF}/features/things/things.routes.ts`]: `import { runCall } from '../../webservice/call';\nimport { thing } from './things.service';\nexport const thingRoutes = [thing, runCall];`,
  [`${BFF}/features/things/things.test.ts`]: `import { sql } from 'drizzle-orm';\nimport { createDeps } from '../../context';\nimport { thingRoutes } from './things.routes';\nexport const t = [sql, createDeps, thingRoutes];`,
  [`${BFF}/webservice/exceptions.ts`]: `export class MoodleException extends Error {}`,
  [`${BFF}/webservice/catalogue.ts`]: `import type { Catalogue } from '../deps';\nexport const createCatalogue = (all: readonly string[]): Catalogue => ({ all });`,
  [`${BFF}/webservice/functions/index.ts`]: `import { thingFunction } from './things';\nexport const FUNCTIONS = [thingFunction];`,
  [`${BFF}/webservice/functions/things.ts`]: `import { thing } from '../../features/things/things.service';\nexport const thingFunction = String(thing);`,
  [`${BFF}/webservice/call.ts`]: `import type { Deps } from '../deps';\nexport const runCall = (d: Deps) => d.catalogue.all;`,
  [`${BFF}/webservice/protocols/rest.ts`]: `import { runCall } from '../call';\nimport { escapeXml } from './xml';\nexport const restRoutes = [runCall, escapeXml];`,
  [`${BFF}/webservice/protocols/xml.ts`]: `export const escapeXml = (s: string) => s;`,
  'packages/shared/src/index.ts': `export const shared = 1;`,
  [`${WEB}/api/client.ts`]: `import type { Deps } from '../../../bff/src/deps';\nexport type Api = Deps;`,
  [`${WEB}/features/gadgets/keys.ts`]: `export const gadgetKeys = { all: ['gadgets'] as const };`,
  [`${WEB}/features/gadgets/queries.ts`]: `import { widgetKeys } from '../widgets/keys';\nimport { gadgetKeys } from './keys';\nexport const invalidates = [gadgetKeys.all, widgetKeys.all];`,
  [`${WEB}/features/widgets/keys.ts`]: `export const widgetKeys = { all: ['widgets'] as const };`,
  [`${WEB}/features/widgets/queries.ts`]: `import { widgetKeys } from './keys';\nexport const widgets = widgetKeys.all;`,
  [`${WEB}/lib/query-client.ts`]: `import { widgetKeys } from '../features/widgets/keys';\nexport const audit = widgetKeys.all;`,
  // Components of one feature may use another's queries and keys: only queries.ts may not.
  [`${WEB}/features/gadgets/gadget-list.tsx`]: `import { widgetKeys } from '../widgets/keys';\nimport { widgets } from '../widgets/queries';\nexport const list = [widgets, widgetKeys];`,

  // ---- one refused import each ----
  [`${BFF}/lib/cycle-a.ts`]: `import type { B } from './cycle-b';\nexport type A = { b?: B };`,
  [`${BFF}/lib/cycle-b.ts`]: `import type { A } from './cycle-a';\nexport type B = { a?: A };`,
  [`${BFF}/lib/upward.ts`]: `import { thing } from '../features/things/things.service';\nexport const u = thing;`,
  [`${BFF}/features/things/root.ts`]: `import { createDeps } from '../../context';\nexport const r = createDeps;`,
  [`${BFF}/features/things/own-catalogue.ts`]: `import { FUNCTIONS } from '../../webservice/functions';\nexport const c = FUNCTIONS;`,
  [`${BFF}/features/things/mounts.ts`]: `import { thingRoutes } from './things.routes';\nexport const m = thingRoutes;`,
  [`${BFF}/features/things/xml-user.ts`]: `import { escapeXml } from '../../webservice/protocols/xml';\nexport const x = escapeXml;`,
  [`${BFF}/features/things/queries-db.ts`]: `import { eq } from 'drizzle-orm';\nexport const q = eq;`,
  [`${BFF}/features/things/reads-schema.ts`]: `import { things } from '../../db/schema';\nexport const s = things;`,
  [`${BFF}/features/things/uses-test-code.ts`]: `import { t } from './things.test';\nexport const u = t;`,
  [`${BFF}/webservice/functions/calls-pipeline.ts`]: `import { runCall } from '../call';\nexport const f = runCall;`,
  [`${BFF}/webservice/protocols/soap.ts`]: `import { thing } from '../../features/things/things.service';\nexport const soapRoutes = thing;`,
  [`${BFF}/features/things/lazy.ts`]: `export const lazy = async () => (await import('./things.service')).thing;`,
  [`${BFF}/db/seed.ts`]: `import { thing } from '../features/things/things.service';\nexport const seed = thing;`,
  [`${BFF}/features/things/admin.routes.ts`]: `import type { findThing as F } from './things.repo';\nimport { findThing } from './things.repo';\nexport const adminRoutes: F = findThing;`,
  'packages/shared/src/io.ts': `import { readFileSync } from 'node:fs';\nexport const io = readFileSync;`,
  'packages/shared/src/app-user.ts': `import { thing } from '../../../apps/bff/src/features/things/things.service';\nexport const a = thing;`,
  [`${WEB}/lib/uses-queries.ts`]: `import { widgets } from '../features/widgets/queries';\nexport const w = widgets;`,
  [`${WEB}/api/runtime.ts`]: `import { app } from '../../../bff/src/app';\nexport const a = app;`,
};
// A feature's queries.ts importing another's queries.ts: the rule is about queries.ts itself.
FILES[`${WEB}/features/gadgets/queries.ts`] +=
  `\nimport { widgets } from '../widgets/queries';\nexport const both = widgets;`;

/** [rule, from, to] of every violation the modules above were written to commit. */
const EXPECTED: [string, string, string][] = [
  // A cycle is reported once, at the edge where the cruise first closes it.
  ['no-circular', `${BFF}/lib/cycle-a.ts`, `${BFF}/lib/cycle-b.ts`],
  ['lib-is-below-the-layers', `${BFF}/lib/upward.ts`, `${BFF}/features/things/things.service.ts`],
  ['composition-root-only-at-entry-points', `${BFF}/features/things/root.ts`, `${BFF}/context.ts`],
  ['catalogue-built-once', `${BFF}/features/things/own-catalogue.ts`, `${BFF}/webservice/functions/index.ts`],
  ['features-below-the-catalogue', `${BFF}/features/things/own-catalogue.ts`, `${BFF}/webservice/functions/index.ts`],
  ['only-app-mounts-endpoints', `${BFF}/features/things/mounts.ts`, `${BFF}/features/things/things.routes.ts`],
  ['protocols-only-from-app', `${BFF}/features/things/xml-user.ts`, `${BFF}/webservice/protocols/xml.ts`],
  ['features-below-the-catalogue', `${BFF}/features/things/xml-user.ts`, `${BFF}/webservice/protocols/xml.ts`],
  ['only-repositories-touch-the-database', `${BFF}/features/things/queries-db.ts`, 'drizzle-orm'],
  ['only-repositories-touch-the-database', `${BFF}/features/things/reads-schema.ts`, `${BFF}/db/schema/index.ts`],
  ['no-test-code-in-production', `${BFF}/features/things/uses-test-code.ts`, `${BFF}/features/things/things.test.ts`],
  ['functions-below-the-pipeline', `${BFF}/webservice/functions/calls-pipeline.ts`, `${BFF}/webservice/call.ts`],
  [
    'protocols-go-through-the-pipeline',
    `${BFF}/webservice/protocols/soap.ts`,
    `${BFF}/features/things/things.service.ts`,
  ],
  ['bff-imports-up-front', `${BFF}/features/things/lazy.ts`, `${BFF}/features/things/things.service.ts`],
  ['db-is-the-bottom', `${BFF}/db/seed.ts`, `${BFF}/features/things/things.service.ts`],
  [
    'routes-and-entry-points-go-through-services',
    `${BFF}/features/things/admin.routes.ts`,
    `${BFF}/features/things/things.repo.ts`,
  ],
  ['shared-does-no-io', 'packages/shared/src/io.ts', 'fs'],
  ['shared-imports-no-apps', 'packages/shared/src/app-user.ts', `${BFF}/features/things/things.service.ts`],
  ['web-lib-below-features', `${WEB}/lib/uses-queries.ts`, `${WEB}/features/widgets/queries.ts`],
  ['web-takes-only-types-from-bff', `${WEB}/api/runtime.ts`, `${BFF}/app.ts`],
  ['web-queries-never-import-each-other', `${WEB}/features/gadgets/queries.ts`, `${WEB}/features/widgets/queries.ts`],
];

let dir: string;
let violations: [string, string, string][];
let status: number | null;

beforeAll(() => {
  dir = mkdtempSync(join(tmpdir(), 'gatehouse-depcruise-'));
  for (const [path, source] of Object.entries(FILES)) {
    mkdirSync(dirname(join(dir, path)), { recursive: true });
    writeFileSync(join(dir, path), `${source}\n`);
  }
  copyFileSync(join(root, '.dependency-cruiser.cjs'), join(dir, '.dependency-cruiser.cjs'));
  copyFileSync(join(root, 'tsconfig.base.json'), join(dir, 'tsconfig.base.json'));
  // drizzle-orm resolves as it does in the BFF.
  symlinkSync(join(root, 'apps/bff/node_modules'), join(dir, 'apps/bff/node_modules'), 'dir');
  const depcruise = (...extra: string[]) =>
    spawnSync(
      join(root, 'node_modules/.bin/depcruise'),
      [BFF, WEB, 'packages/shared/src', '--config', '.dependency-cruiser.cjs', ...extra],
      { cwd: dir, encoding: 'utf8' },
    );
  const report = JSON.parse(depcruise('--output-type', 'json').stdout) as {
    summary: { violations: { rule: { name: string }; from: string; to: string }[] };
  };
  violations = report.summary.violations.map((v) => [
    v.rule.name,
    v.from,
    v.to.includes('/node_modules/drizzle-orm/') ? 'drizzle-orm' : v.to,
  ]);
  // As `pnpm lint` runs it (its own output), which sets the exit status.
  status = depcruise().status;
}, 60_000);

afterAll(() => rmSync(dir, { recursive: true, force: true }));

describe('the import rules (.dependency-cruiser.cjs)', () => {
  it('refuse each import the layers forbid, and nothing else', () => {
    const key = ([rule, from, to]: [string, string, string]) => `${rule}: ${from} → ${to}`;
    expect(violations.map(key).sort()).toEqual(EXPECTED.map(key).sort());
  });

  it('fail the lint when they refuse something', () => {
    expect(status).not.toBe(0);
  });
});

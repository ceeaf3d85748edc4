// The import rules of the workspace, checked by `pnpm lint`
// (`depcruise apps/bff/src apps/web/src packages/shared/src --config .dependency-cruiser.cjs`).
//
// The BFF's layers point one way (CONVENTIONS.md, "Layers"):
//   protocols → call pipeline → catalogue/functions → feature services → repositories → db,
//   and routes → services.
// context.ts is the composition root: it builds the Deps (declared in deps.ts) and the function
// catalogue once; every other module takes them as arguments. In the SPA, feature query modules
// never import each other: mutations declare what they invalidate by key (features/*/keys.ts)
// and one MutationCache handler (lib/query-client.ts) invalidates it.
//
// Type-only imports count too (tsPreCompilationDeps): a cycle through types is still a cycle.

const BFF = '^apps/bff/src/';
const WEB = '^apps/web/src/';

/** Tests and what only tests use: free to reach into any layer. */
const TEST = [
  '\\.test\\.tsx?$',
  '\\.test-helpers\\.ts$',
  '^apps/bff/src/webservice/functions/test-helpers\\.ts$',
  '^apps/bff/src/test/',
  '^apps/bff/src/fuzz/',
];

/** The modules that start something: the only ones that may import the composition root. */
const ENTRY_POINTS = '^apps/bff/src/(app|boot|cli|index)\\.ts$';

module.exports = {
  forbidden: [
    // ---- both apps ---------------------------------------------------------------------------
    {
      name: 'no-circular',
      comment: 'No import cycles in the BFF or the SPA, type-only imports included.',
      severity: 'error',
      from: { path: ['^apps/(bff|web)/src/', '^packages/shared/src/'], pathNot: TEST },
      to: { circular: true },
    },
    {
      name: 'no-test-code-in-production',
      comment: 'Production modules never import tests or test helpers.',
      severity: 'error',
      from: { pathNot: TEST },
      to: { path: TEST },
    },
    {
      name: 'not-to-unresolvable',
      comment: 'Every import resolves (a typo or a missing package fails here, not at run time).',
      severity: 'error',
      from: {},
      to: { couldNotResolve: true },
    },
    {
      name: 'shared-imports-no-apps',
      comment: 'packages/shared holds schemas and types for both apps: it imports neither.',
      severity: 'error',
      from: { path: '^packages/shared/' },
      to: { path: '^apps/' },
    },
    {
      name: 'shared-does-no-io',
      comment: 'packages/shared runs in the browser too: no Node built-ins.',
      severity: 'error',
      from: { path: '^packages/shared/', pathNot: TEST },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'web-takes-only-types-from-bff',
      comment: 'The SPA reaches the BFF over HTTP; from its code it takes the API type only (hc<ApiType>).',
      severity: 'error',
      from: { path: '^apps/web/' },
      to: { path: '^apps/bff/', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'bff-imports-no-web',
      severity: 'error',
      from: { path: '^apps/bff/' },
      to: { path: '^apps/web/' },
    },

    // ---- BFF layers --------------------------------------------------------------------------
    {
      name: 'bff-imports-up-front',
      comment:
        'No lazy `await import()` of the BFF’s own modules: a dynamic import that dodges a cycle hides the cycle. ' +
        'A third-party package may be loaded late (sharp, in lib/images.ts: libvips costs 20 MB at boot), as no cycle runs through it.',
      severity: 'error',
      from: { path: BFF, pathNot: TEST },
      to: { dependencyTypes: ['dynamic-import'], pathNot: '(^|/)node_modules/' },
    },
    {
      name: 'composition-root-only-at-entry-points',
      comment:
        'context.ts builds the Deps and the catalogue; everything else takes them (type from deps.ts). ' +
        'Importing it from below would pull every function in and close a cycle.',
      severity: 'error',
      from: { pathNot: [ENTRY_POINTS, ...TEST] },
      to: { path: '^apps/bff/src/context\\.ts$' },
    },
    {
      name: 'catalogue-built-once',
      comment: 'Only the composition root builds the catalogue from the function list; the rest use deps.catalogue.',
      severity: 'error',
      from: { pathNot: ['^apps/bff/src/context\\.ts$', '^apps/bff/src/webservice/functions/', ...TEST] },
      to: { path: ['^apps/bff/src/webservice/catalogue\\.ts$', '^apps/bff/src/webservice/functions/'] },
    },
    {
      name: 'deps-is-types-only',
      comment: 'deps.ts declares what every layer passes around; it may only import types.',
      severity: 'error',
      from: { path: '^apps/bff/src/deps\\.ts$' },
      to: { dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'only-app-mounts-endpoints',
      comment: 'Route modules and protocol servers are mounted by app.ts and imported by nothing else.',
      severity: 'error',
      from: { pathNot: ['^apps/bff/src/app\\.ts$', ...TEST] },
      to: {
        path: [
          '\\.routes\\.ts$',
          '^apps/bff/src/features/overview/overview\\.ts$',
          '^apps/bff/src/webservice/(ajax|login-token)\\.ts$',
          '^apps/bff/src/webservice/files/routes\\.ts$',
          '^apps/bff/src/webservice/protocols/(amf|rest|soap|xmlrpc)\\.ts$',
        ],
      },
    },
    {
      name: 'protocols-only-from-app',
      comment: 'Protocol code (codecs, faults, XML) is used by the protocol servers alone.',
      severity: 'error',
      from: { pathNot: ['^apps/bff/src/app\\.ts$', '^apps/bff/src/webservice/protocols/', ...TEST] },
      to: { path: '^apps/bff/src/webservice/protocols/' },
    },
    {
      name: 'protocols-go-through-the-pipeline',
      comment: 'Protocol servers decode and encode; they reach functions and data through the call pipeline.',
      severity: 'error',
      from: { path: '^apps/bff/src/webservice/protocols/', pathNot: TEST },
      to: { path: ['^apps/bff/src/(features|db)/', '^apps/bff/src/webservice/functions/'] },
    },
    {
      name: 'functions-below-the-pipeline',
      comment: 'External functions are called by the pipeline; they never import it, a protocol or a route.',
      severity: 'error',
      from: { path: '^apps/bff/src/webservice/functions/', pathNot: TEST },
      to: {
        path: [
          '^apps/bff/src/webservice/(access|call|call-context|login-token|usage|access-cache)\\.ts$',
          '^apps/bff/src/webservice/protocols/',
          '\\.routes\\.ts$',
          ENTRY_POINTS,
        ],
      },
    },
    {
      name: 'features-below-the-catalogue',
      comment:
        'Feature services sit below the catalogue and the pipeline: from webservice/ they take only ' +
        "Moodle's exceptions and the function types (the catalogue itself comes as deps.catalogue).",
      severity: 'error',
      from: { path: '^apps/bff/src/features/', pathNot: ['\\.routes\\.ts$', ...TEST] },
      to: { path: '^apps/bff/src/webservice/', pathNot: '^apps/bff/src/webservice/(exceptions|types)\\.ts$' },
    },
    {
      name: 'routes-call-services',
      comment:
        'Console routes call feature services; the only way into the call pipeline is Try it ' +
        '(webservice/call.ts), never a protocol or an access-check internal.',
      severity: 'error',
      from: { path: '^apps/bff/src/features/.+\\.routes\\.ts$' },
      to: { path: '^apps/bff/src/webservice/', pathNot: '^apps/bff/src/webservice/(exceptions|types|call)\\.ts$' },
    },
    {
      name: 'routes-and-entry-points-go-through-services',
      comment:
        'Console routes and the entry points (app, boot, CLI) reach data through feature services, ' +
        'never a repository (a row type is fine).',
      severity: 'error',
      from: { path: ['^apps/bff/src/features/.+\\.routes\\.ts$', ENTRY_POINTS] },
      to: { path: '\\.repo\\.ts$', dependencyTypesNot: ['type-only'] },
    },
    {
      name: 'db-is-the-bottom',
      comment: 'db/ (client, schema, migrations, seed, withWrite) imports nothing above it but lib/.',
      severity: 'error',
      from: { path: '^apps/bff/src/db/', pathNot: TEST },
      to: { path: BFF, pathNot: '^apps/bff/src/(db|lib)/' },
    },
    {
      name: 'lib-is-below-the-layers',
      comment: 'lib/ holds helpers for every layer: it imports no feature, no web-service module, no root module.',
      severity: 'error',
      from: { path: '^apps/bff/src/lib/', pathNot: TEST },
      to: {
        path: ['^apps/bff/src/(features|webservice)/', '^apps/bff/src/(app|boot|cli|context|deps|index|types)\\.ts$'],
      },
    },
    {
      name: 'only-repositories-touch-the-database',
      comment:
        'drizzle-orm and db/schema belong to db/ and the repositories (*.repo.ts); everything else ' +
        'calls a repository.',
      severity: 'error',
      from: {
        path: BFF,
        pathNot: ['^apps/bff/src/db/', '\\.repo\\.ts$', ...TEST],
      },
      to: { path: ['/node_modules/drizzle-orm/', '^apps/bff/src/db/schema(/|\\.ts$)'] },
    },

    // ---- the SPA -----------------------------------------------------------------------------
    {
      name: 'web-queries-never-import-each-other',
      comment:
        "A feature's queries.ts names other features' query keys (their keys.ts) and nothing else " +
        'of theirs: what a mutation invalidates goes in meta.invalidates.',
      severity: 'error',
      from: { path: '^apps/web/src/features/([^/]+)/queries\\.ts$' },
      to: {
        path: '^apps/web/src/features/',
        pathNot: ['^apps/web/src/features/$1/', '^apps/web/src/features/[^/]+/keys\\.ts$'],
      },
    },
    {
      name: 'web-query-keys-are-leaves',
      comment: "A feature's keys.ts imports nothing of the SPA: any feature may import it.",
      severity: 'error',
      from: { path: '^apps/web/src/features/[^/]+/keys\\.ts$' },
      to: { path: WEB },
    },
    {
      name: 'web-lib-below-features',
      comment:
        "lib/ serves every feature: of the features it knows only their query keys (the QueryClient's handlers).",
      severity: 'error',
      from: { path: '^apps/web/src/lib/' },
      to: { path: '^apps/web/src/(features|routes|components)/', pathNot: '^apps/web/src/features/[^/]+/keys\\.ts$' },
    },
    {
      name: 'web-ui-kit-knows-no-features',
      comment: 'components/ui is the shared kit: it imports no feature and no screen.',
      severity: 'error',
      from: { path: '^apps/web/src/components/ui/' },
      to: { path: '^apps/web/src/(features|routes)/' },
    },
    {
      name: 'web-screens-only-from-the-router',
      comment: 'A screen (routes/*) is mounted by router.tsx, never imported by a feature or another screen.',
      severity: 'error',
      from: { path: WEB, pathNot: ['^apps/web/src/router\\.tsx$'] },
      to: { path: '^apps/web/src/routes/' },
    },
  ],
  options: {
    doNotFollow: { path: 'node_modules' },
    tsPreCompilationDeps: true,
    tsConfig: { fileName: 'tsconfig.base.json' },
    // Workspace packages resolve through their package.json `exports`, as TypeScript and Vite do.
    enhancedResolveOptions: {
      exportsFields: ['exports'],
      conditionNames: ['import', 'require', 'node', 'default', 'types'],
      mainFields: ['module', 'main', 'types', 'typings'],
    },
    reporterOptions: { text: { highlightFocused: true } },
  },
};

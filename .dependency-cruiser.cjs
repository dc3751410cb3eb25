// Import boundaries of src/, checked by `npm run lint` (and so by CI). Each folder is one idea and
// imports point one way; README.md ("The code's shape") has the same table in words, and test/unit/docs.test.ts holds the two together.
const mayImport = {
  contracts: [],
  platform: ['contracts'],
  storage: ['contracts', 'platform'],
  // One adapter per video provider, behind one contract (providers/adapter.ts): no Temporal, no database.
  providers: ['contracts', 'platform'],
  // Built-in media work (ffmpeg's last frame and stitch) and the asset store: no Temporal, no database.
  media: ['contracts', 'platform'],
  workflows: ['contracts'],
  // The browser console: shares the API's shapes, nothing that runs on the server.
  console: ['contracts'],
  activities: ['contracts', 'platform', 'storage', 'providers', 'media'],
  http: ['contracts', 'platform', 'storage', 'providers', 'media'],
  worker: ['contracts', 'platform', 'storage', 'providers', 'media', 'activities', 'workflows'],
  // Development only (embedded servers, the simulator): the product never imports it, and `npm run build` leaves it out.
  dev: ['contracts', 'platform', 'storage', 'providers', 'media', 'activities', 'http', 'worker', 'workflows'],
  cli: ['contracts', 'platform', 'storage', 'providers', 'media', 'activities', 'http', 'worker', 'workflows', 'dev'],
};

const layerRules = Object.entries(mayImport).map(([folder, allowed]) => ({
  name: `${folder}-imports-only-${allowed.length ? allowed.join('-') : 'itself'}`,
  severity: 'error',
  from: { path: `^src/${folder}/` },
  to: { path: '^src/', pathNot: `^src/(${[folder, ...allowed].join('|')})/` },
}));

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    ...layerRules,
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles hide which part depends on which.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'workflows-use-only-the-temporal-sdk',
      severity: 'error',
      comment: 'Workflow code is deterministic and replayed: of the packages, only the Temporal SDK.',
      from: { path: '^src/workflows/' },
      to: { dependencyTypes: ['npm'], pathNot: '^node_modules/@temporalio/(workflow|common)/' },
    },
    {
      name: 'no-node-builtins-in-workflow-code',
      severity: 'error',
      comment: "Temporal's samples rule: no Node built-ins in workflow code, nor in the contracts it imports. " +
        'The one contract that signs webhooks (node:crypto), contracts/webhooks.ts, is imported by no other contract, so no workflow reaches it.',
      from: { path: ['^src/(workflows|contracts)/', '^src/worker/workflow-tracing-interceptors\\.ts$'], pathNot: '^src/contracts/webhooks\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'no-workflow-reaches-webhook-signing',
      severity: 'error',
      from: { path: '^src/(workflows|contracts)/', pathNot: '^src/contracts/webhooks\\.ts$' },
      to: { path: '^src/contracts/webhooks\\.ts$' },
    },
    {
      name: 'prisma-client-through-storage',
      severity: 'error',
      comment: 'The generated client is reached through src/storage/prisma.ts only.',
      from: { path: '^src/', pathNot: '^src/storage/prisma\\.ts$' },
      to: { path: '^prisma/generated/' },
    },
    {
      name: 'not-to-unresolvable',
      severity: 'error',
      from: { path: '^src/' },
      to: { couldNotResolve: true },
    },
  ],
  options: {
    doNotFollow: { path: ['node_modules', '^prisma/generated/'] },
    tsConfig: { fileName: 'tsconfig.json' },
    tsPreCompilationDeps: true,
    enhancedResolveOptions: { exportsFields: ['exports'], conditionNames: ['import', 'require', 'node', 'default'] },
  },
};

// Import boundaries of src/, checked by `npm run lint` (and so by CI). Each folder is one idea and
// imports point one way:
//   contracts  <-  platform  <-  storage  <-  activities, http, worker  <-  cli
//   workflows import contracts only; dev/ (embedded servers, simulator) and cli/ are outside the product.
// README.md, "The code's shape", explains each folder.
const product = '^src/(contracts|workflows|activities|http|storage|worker|platform)/';

/** @type {import('dependency-cruiser').IConfiguration} */
module.exports = {
  forbidden: [
    {
      name: 'no-circular',
      severity: 'error',
      comment: 'Import cycles hide which part depends on which.',
      from: { path: '^src/' },
      to: { circular: true },
    },
    {
      name: 'workflows-import-contracts-only',
      severity: 'error',
      comment: 'Workflow code is deterministic and replayed: it may import the shared contracts and the Temporal SDK, nothing else.',
      from: { path: '^src/workflows/' },
      to: { pathNot: ['^src/(workflows|contracts)/', '^node_modules/@temporalio/(workflow|common)/'] },
    },
    {
      name: 'no-node-builtins-in-workflow-code',
      severity: 'error',
      comment: "Temporal's samples rule: workflow code uses no Node built-ins (do I/O in an activity).",
      from: { path: '^src/workflows/' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'contracts-are-pure',
      severity: 'error',
      comment:
        'Workflows import contracts, so contracts use no Node built-ins; the one exception, webhook signing (node:crypto), ' +
        'sits in contracts/webhooks.ts, which no other contract (and so no workflow) imports.',
      from: { path: '^src/contracts/', pathNot: '^src/contracts/webhooks\\.ts$' },
      to: { dependencyTypes: ['core'] },
    },
    {
      name: 'workflow-reachable-contracts-avoid-webhooks',
      severity: 'error',
      from: { path: '^src/(contracts|workflows)/', pathNot: '^src/contracts/webhooks\\.ts$' },
      to: { path: '^src/contracts/webhooks\\.ts$' },
    },
    {
      name: 'contracts-are-a-leaf',
      severity: 'error',
      comment: 'What every part agrees on depends on no part.',
      from: { path: '^src/contracts/' },
      to: { path: '^src/', pathNot: '^src/contracts/' },
    },
    {
      name: 'platform-is-a-leaf',
      severity: 'error',
      comment: 'Config, logging and process lifecycle import the shared contracts at most, never a part.',
      from: { path: '^src/platform/' },
      to: { path: '^src/', pathNot: '^src/(platform|contracts)/' },
    },
    {
      name: 'storage-below-its-users',
      severity: 'error',
      comment: 'The database layer knows nothing of the gateway, the activities, the worker or the workflows.',
      from: { path: '^src/storage/' },
      to: { path: '^src/(http|activities|worker|workflows)/' },
    },
    {
      name: 'http-not-activities',
      severity: 'error',
      comment: 'The gateway signals workflows; it never calls the services itself.',
      from: { path: '^src/http/' },
      to: { path: '^src/(activities|worker|workflows)/' },
    },
    {
      name: 'activities-not-http-or-worker',
      severity: 'error',
      from: { path: '^src/activities/' },
      to: { path: '^src/(http|worker|workflows)/' },
    },
    {
      name: 'worker-not-http',
      severity: 'error',
      from: { path: '^src/worker/' },
      to: { path: '^src/http/' },
    },
    {
      name: 'product-not-dev-or-cli',
      severity: 'error',
      comment: 'The embedded servers and the simulator are for development and tests: nothing the product build ships imports them.',
      from: { path: product },
      to: { path: '^src/(dev|cli)/' },
    },
    {
      name: 'dev-not-cli',
      severity: 'error',
      from: { path: '^src/dev/' },
      to: { path: '^src/cli/' },
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

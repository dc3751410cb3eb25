// ESLint 9 flat config: typescript-eslint's recommended rules with type information, the promise rules
// as errors, and Temporal's determinism guard for workflow code (after temporalio/samples-typescript).
import { builtinModules } from 'node:module';
import js from '@eslint/js';
import tseslint from 'typescript-eslint';

// Workflow code runs in Temporal's deterministic sandbox: no Node built-ins (assert is the one the
// workflow bundler provides), and activities only as types (they run in the worker, called through
// proxyActivities). The import boundaries between folders are dependency-cruiser's
// (.dependency-cruiser.cjs); `npm run lint` runs both.
const allowedNodeBuiltins = new Set(['assert']);
const bannedBuiltins = builtinModules
  .filter((name) => !name.startsWith('_') && !allowedNodeBuiltins.has(name))
  .flatMap((name) => [name, `node:${name}`]);

export default tseslint.config(
  { ignores: ['dist/', 'prisma/generated/', 'node_modules/', '.data/', 'logs/'] },
  js.configs.recommended,
  tseslint.configs.recommendedTypeChecked,
  {
    languageOptions: {
      parserOptions: { projectService: true, tsconfigRootDir: import.meta.dirname },
    },
    rules: {
      // A promise nobody awaits or handles loses its error; mark a deliberately detached one with `void`.
      '@typescript-eslint/no-floating-promises': 'error',
      '@typescript-eslint/no-misused-promises': 'error',
      '@typescript-eslint/no-unused-vars': ['error', { argsIgnorePattern: '^_', varsIgnorePattern: '^_', caughtErrors: 'none' }],
      // An async function without `await` still turns a throw into a rejection, which callers of a
      // promise-returning interface (Koa middleware, close()) rely on; dropping `async` is churn, not a fix.
      '@typescript-eslint/require-await': 'off',
      // Input validation matches control characters (NUL, C0) on purpose.
      'no-control-regex': 'off',
    },
  },
  {
    // One idea a file: a file past 250 lines is doing two things.
    files: ['src/**/*.ts', 'src/**/*.tsx', 'bench/**/*.ts', 'test/**/*.ts', 'prisma/*.ts'],
    rules: { 'max-lines': ['error', { max: 250 }] },
  },
  {
    // Tests read JSON answers as `any` and assert on their values; typing every body is churn.
    files: ['test/**/*.ts'],
    rules: {
      '@typescript-eslint/no-explicit-any': 'off',
      '@typescript-eslint/no-unsafe-argument': 'off',
      '@typescript-eslint/no-unsafe-assignment': 'off',
      '@typescript-eslint/no-unsafe-call': 'off',
      '@typescript-eslint/no-unsafe-member-access': 'off',
      '@typescript-eslint/no-unsafe-return': 'off',
    },
  },
  {
    // The tracing interceptors are bundled into the workflow code: the same sandbox, the same rules.
    files: ['src/workflows/**/*.ts', 'src/worker/workflow-tracing-interceptors.ts'],
    rules: {
      '@typescript-eslint/no-restricted-imports': [
        'error',
        {
          paths: bannedBuiltins.map((name) => ({
            name,
            message: 'Workflow code must be deterministic: no Node built-ins (do I/O in an activity).',
          })),
          patterns: [
            {
              group: ['**/activities', '**/activities/**'],
              allowTypeImports: true,
              message: 'Workflows call activities through proxyActivities: import their types only (`import type`).',
            },
          ],
        },
      ],
    },
  },
  {
    files: ['**/*.mjs', '**/*.js', '**/*.cjs'],
    extends: [tseslint.configs.disableTypeChecked],
    languageOptions: { globals: { module: 'writable', require: 'readonly' } },
  },
);

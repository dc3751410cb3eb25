import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { envNames } from '../../src/platform/env-schema';
import {
  brokenLinks,
  dependencyCruiserLayers,
  documentationPages,
  documentedVariables,
  existsInRepo,
  filesUnder,
  headingAnchors,
  repoRoot,
  shapeTable,
  variablesReadIn,
  variablesReadInPython,
} from '../support/docs-check';

const read = (file: string) => readFileSync(path.join(repoRoot, file), 'utf8');

/** Every variable the code reads: the configuration schema, and each read in the product, its tools and its tests. */
function variablesTheCodeReads(): Map<string, string> {
  const readBy = new Map<string, string>(envNames.map((name) => [name, 'src/platform/env-schema.ts']));
  const code = ['src', 'bench', 'test'].flatMap((dir) => filesUnder(dir, (name) => /\.(ts|tsx|mts|cts|js|mjs|cjs)$/.test(name)));
  for (const file of code) for (const name of variablesReadIn(read(file), file)) if (!readBy.has(name)) readBy.set(name, file);
  for (const file of filesUnder('bench', (name) => name.endsWith('.py'))) {
    for (const name of variablesReadInPython(read(file))) if (!readBy.has(name)) readBy.set(name, file);
  }
  const scripts = Object.values((JSON.parse(read('package.json')) as { scripts: Record<string, string> }).scripts).join('\n');
  for (const [, name] of scripts.matchAll(/\$\{?([A-Z][A-Z0-9_]*)/g)) if (!readBy.has(name)) readBy.set(name, 'package.json');
  return readBy;
}

describe('the documentation', () => {
  describe('links', () => {
    it('finds a missing file, a missing anchor and a link outside the repository, and skips code and other sites', () => {
      const pages = new Map([
        ['README.md', '# Reelay\n\n[ok](docs/a.md#the-codes-shape) [gone](docs/none.md) [bad anchor](docs/a.md#nowhere) [web](https://example.com/x.md)\n\n`[in code](docs/none.md)`\n\n```md\n[in a block](docs/none.md)\n```\n'],
        ['docs/a.md', "# A\n\n## The code's shape\n\n[up](../README.md#reelay) [here](#a) [out](../../elsewhere.md) ![picture](screenshots/x.png)\n"],
      ]);
      assert.deepEqual(brokenLinks(pages, (file) => file === 'docs/screenshots/x.png'), [
        'README.md: docs/none.md (no such file: docs/none.md)',
        'README.md: docs/a.md#nowhere (no heading #nowhere in docs/a.md)',
        'docs/a.md: ../../elsewhere.md (no such file: ../elsewhere.md)',
      ]);
    });

    it("makes headings' anchors as GitHub does: lower case, punctuation dropped, code kept as text, repeats numbered", () => {
      const anchors = headingAnchors("# The code's shape\n\n## `npm run fuzz`\n\n### The worker's health\n\n## Notes\n\n## Notes\n\n## A [link](x.md) and *emphasis*\n");
      assert.deepEqual([...anchors], ['the-codes-shape', 'npm-run-fuzz', 'the-workers-health', 'notes', 'notes-1', 'a-link-and-emphasis']);
    });

    it('resolves every relative link and anchor in README.md and docs/', () => {
      const pages = documentationPages();
      assert.ok(pages.size >= 10, `README.md and the docs pages: ${[...pages.keys()].join(', ')}`);
      assert.deepEqual(brokenLinks(pages, existsInRepo), []);
    });

    it('keeps the README short and links every page of docs/ from it or from docs/README.md', () => {
      const pages = documentationPages();
      assert.ok(pages.get('README.md')!.split('\n').length <= 200, 'README.md is at most 200 lines');
      const linked = new Set(
        ['README.md', 'docs/README.md'].flatMap((page) =>
          [...pages.get(page)!.matchAll(/\]\(([^)#]+\.md)/g)].map((m) => path.posix.normalize(path.posix.join(path.posix.dirname(page), m[1])))),
      );
      for (const page of pages.keys()) if (page !== 'README.md' && page !== 'docs/README.md') assert.ok(linked.has(page), `${page} is linked`);
    });
  });

  describe('configuration', () => {
    it('finds the variables code reads in each way it reads them, and none in strings or comments', () => {
      const source = [
        'const a = process.env.ALPHA ?? process.env["BETA"];',
        'function load(env: NodeJS.ProcessEnv) { return env.GAMMA ?? source.DELTA; }',
        'const { EPSILON, ZETA: zeta = "1" } = process.env;',
        'function fromParam({ ETA }: NodeJS.ProcessEnv) { return ETA; }',
        'const script = `process.env.IN_A_STRING`; // process.env.IN_A_COMMENT',
        'other.NOT_ENV; env.teardown();',
      ].join('\n');
      assert.deepEqual([...variablesReadIn(source)].sort(), ['ALPHA', 'BETA', 'DELTA', 'EPSILON', 'ETA', 'GAMMA', 'ZETA']);
      assert.deepEqual([...variablesReadInPython('a = os.environ.get("ONE", "{}")\nb = os.environ["TWO"]\nc = os.getenv(\'THREE\')')].sort(), ['ONE', 'THREE', 'TWO']);
    });

    it('reads the documented variables from the first column of the tables only', () => {
      const markdown = '| variable | default |\n| --- | --- |\n| `ONE`, `TWO` | `THREE` |\n\nSee `FOUR`.\n';
      assert.deepEqual([...documentedVariables(markdown)].sort(), ['ONE', 'TWO']);
    });

    it('lists every environment variable the code reads in docs/configuration.md', () => {
      const documented = documentedVariables(read('docs/configuration.md'));
      const read_ = variablesTheCodeReads();
      assert.ok(read_.size > envNames.length, 'the scan finds reads beyond the schema');
      const missing = [...read_].filter(([name]) => !documented.has(name)).map(([name, file]) => `${name} (read in ${file})`);
      assert.deepEqual(missing, [], 'variables the code reads that docs/configuration.md has no row for');
    });
  });

  describe("the README's table of the code's shape", () => {
    it('names every folder of src/ and what it may import, as .dependency-cruiser.cjs enforces', () => {
      const table = shapeTable(read('README.md'));
      const layers = dependencyCruiserLayers();
      const folders = readdirSync(path.join(repoRoot, 'src'), { withFileTypes: true }).filter((e) => e.isDirectory()).map((e) => e.name);
      assert.deepEqual([...table.keys()].sort(), folders.sort(), 'one row per folder of src/');
      assert.deepEqual([...layers.keys()].sort(), folders.sort(), 'one rule per folder of src/');
      for (const [folder, allowed] of layers) assert.deepEqual(table.get(folder), allowed, `src/${folder} may import`);
    });
  });
});

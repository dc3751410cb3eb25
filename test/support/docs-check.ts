import { existsSync, readdirSync, readFileSync, statSync } from 'node:fs';
import path from 'node:path';
import GithubSlugger from 'github-slugger';
import { Lexer, type Token, type Tokens } from 'marked';
import ts from 'typescript';

/**
 * What test/unit/docs.test.ts checks, as functions of text so the test can show each one catches what it
 * should: relative links and anchors in Markdown, the environment variables the code reads, and the
 * tables in README.md and docs/configuration.md that must agree with the code.
 */

export const repoRoot = path.resolve(__dirname, '..', '..');

/** Every file under `dir` (relative to the repository) whose name passes `keep`, skipping dependencies and output. */
export function filesUnder(dir: string, keep: (name: string) => boolean): string[] {
  const skipped = new Set(['node_modules', 'dist', 'generated', '.data', 'logs']);
  const found: string[] = [];
  const walk = (relative: string) => {
    for (const entry of readdirSync(path.join(repoRoot, relative), { withFileTypes: true })) {
      const child = path.posix.join(relative, entry.name);
      if (entry.isDirectory()) {
        if (!skipped.has(entry.name)) walk(child);
      } else if (keep(entry.name)) found.push(child);
    }
  };
  walk(dir);
  return found.sort();
}

/** Every token of a Markdown document, nested ones included (list items, table cells, inline tokens). */
function allTokens(tokens: Token[]): Token[] {
  return tokens.flatMap((token) => {
    const nested: Token[] = [];
    const t = token as Token & { tokens?: Token[]; items?: Tokens.ListItem[]; header?: Tokens.TableCell[]; rows?: Tokens.TableCell[][] };
    if (t.tokens) nested.push(...t.tokens);
    if (t.items) nested.push(...t.items);
    if (t.header) nested.push(...t.header.flatMap((cell) => cell.tokens));
    if (t.rows) nested.push(...t.rows.flat().flatMap((cell) => cell.tokens));
    return [token, ...allTokens(nested)];
  });
}

/** The text a reader sees in inline Markdown: what GitHub makes a heading's anchor from. */
function plainText(tokens: Token[]): string {
  return tokens
    .map((token) => {
      const t = token as Token & { tokens?: Token[]; text?: string };
      if (t.tokens?.length) return plainText(t.tokens);
      return t.type === 'html' ? '' : (t.text ?? '');
    })
    .join('');
}

/** The anchors GitHub gives a Markdown page's headings (`#the-codes-shape`), repeats numbered as it numbers them. */
export function headingAnchors(markdown: string): Set<string> {
  const slugger = new GithubSlugger();
  const headings = allTokens(new Lexer({ gfm: true }).lex(markdown)).filter((t): t is Tokens.Heading => t.type === 'heading');
  return new Set(headings.map((heading) => slugger.slug(plainText(heading.tokens))));
}

/** Every link and image target in a Markdown page, outside code blocks and code spans. */
export function linkTargets(markdown: string): string[] {
  return allTokens(new Lexer({ gfm: true }).lex(markdown))
    .filter((t): t is Tokens.Link | Tokens.Image => t.type === 'link' || t.type === 'image')
    .map((t) => t.href);
}

const external = /^([a-z][a-z0-9+.-]*:|\/\/)/i;

/**
 * The relative links in `pages` (path → Markdown, paths relative to the repository) that lead nowhere: a
 * missing file or folder, or an `#anchor` no heading of the target page has. `exists` answers for paths
 * that are not among `pages` (pictures, folders, other files).
 */
export function brokenLinks(pages: Map<string, string>, exists: (file: string) => boolean): string[] {
  const broken: string[] = [];
  for (const [page, markdown] of pages) {
    for (const href of linkTargets(markdown)) {
      if (external.test(href)) continue;
      const [target, anchor] = href.split('#', 2) as [string, string | undefined];
      const file = target ? path.posix.normalize(path.posix.join(path.posix.dirname(page), decodeURIComponent(target))) : page;
      if (file.startsWith('..') || !(pages.has(file) || exists(file))) {
        broken.push(`${page}: ${href} (no such file: ${file})`);
      } else if (anchor !== undefined && file.endsWith('.md')) {
        const targetMarkdown = pages.get(file) ?? readFileSync(path.join(repoRoot, file), 'utf8');
        if (!headingAnchors(targetMarkdown).has(anchor)) broken.push(`${page}: ${href} (no heading #${anchor} in ${file})`);
      }
    }
  }
  return broken;
}

/** README.md and every page under docs/, by path relative to the repository. */
export function documentationPages(): Map<string, string> {
  const files = ['README.md', ...filesUnder('docs', (name) => name.endsWith('.md'))];
  return new Map(files.map((file) => [file, readFileSync(path.join(repoRoot, file), 'utf8')]));
}

export const existsInRepo = (file: string) => existsSync(path.join(repoRoot, file)) && (statSync(path.join(repoRoot, file)).isFile() || statSync(path.join(repoRoot, file)).isDirectory());

const variableName = /^[A-Z][A-Z0-9_]*$/;
/** Names the code gives the environment it reads: process.env itself, and the parameters and locals that hold it. */
const environmentHolders = new Set(['env', 'source', 'environment']);

function isEnvironment(node: ts.Expression): boolean {
  if (ts.isIdentifier(node)) return environmentHolders.has(node.text);
  return ts.isPropertyAccessExpression(node) && node.name.text === 'env' && ts.isIdentifier(node.expression) && node.expression.text === 'process';
}

/**
 * The environment variables a TypeScript or JavaScript source reads: `process.env.X`, `process.env['X']`,
 * `env.X` / `source.X` (the names the code gives a passed-in environment), and destructuring
 * (`const { X, Y: y = 'default' } = process.env`, a parameter `{ X }: NodeJS.ProcessEnv`). Text inside
 * strings and comments is not code and is not counted.
 */
export function variablesReadIn(source: string, fileName = 'source.ts'): Set<string> {
  const file = ts.createSourceFile(fileName, source, ts.ScriptTarget.Latest, true);
  const names = new Set<string>();
  const fromPattern = (pattern: ts.ObjectBindingPattern) => {
    for (const element of pattern.elements) {
      const key = element.propertyName ?? element.name;
      if ((ts.isIdentifier(key) || ts.isStringLiteral(key)) && variableName.test(key.text)) names.add(key.text);
    }
  };
  const visit = (node: ts.Node) => {
    if (ts.isPropertyAccessExpression(node) && isEnvironment(node.expression) && variableName.test(node.name.text)) names.add(node.name.text);
    if (ts.isElementAccessExpression(node) && isEnvironment(node.expression) && ts.isStringLiteralLike(node.argumentExpression) && variableName.test(node.argumentExpression.text)) {
      names.add(node.argumentExpression.text);
    }
    if (ts.isVariableDeclaration(node) && ts.isObjectBindingPattern(node.name) && node.initializer && isEnvironment(node.initializer)) fromPattern(node.name);
    if (ts.isParameter(node) && ts.isObjectBindingPattern(node.name) && node.type && /ProcessEnv/.test(node.type.getText(file))) fromPattern(node.name);
    ts.forEachChild(node, visit);
  };
  visit(file);
  return names;
}

/** The variables a Python script reads (`os.environ.get("X")`, `os.environ["X"]`, `os.getenv("X")`). */
export function variablesReadInPython(source: string): Set<string> {
  const reads = source.matchAll(/os\.(?:environ\.get\(|environ\[|getenv\()\s*["']([A-Z][A-Z0-9_]*)["']/g);
  return new Set([...reads].map((match) => match[1]));
}

/** The variables a table's first column names, in backticks: the rows of docs/configuration.md. */
export function documentedVariables(markdown: string): Set<string> {
  const tables = allTokens(new Lexer({ gfm: true }).lex(markdown)).filter((t): t is Tokens.Table => t.type === 'table');
  const firstCells = tables.flatMap((table) => table.rows.map((row) => row[0].text));
  return new Set(firstCells.flatMap((cell) => [...cell.matchAll(/`([A-Z][A-Z0-9_]*)`/g)].map((match) => match[1])));
}

/** README.md's table of the code's shape: each `src/<folder>` and the folders its last column says it may import. */
export function shapeTable(markdown: string): Map<string, string[]> {
  const tables = allTokens(new Lexer({ gfm: true }).lex(markdown)).filter((t): t is Tokens.Table => t.type === 'table');
  const shape = tables.find((table) => table.header.map((cell) => cell.text).join('|') === 'folder|what lives there|may import');
  if (!shape) return new Map();
  const folders = shape.rows.map((row) => /^`src\/(\w+)`$/.exec(row[0].text)?.[1] ?? row[0].text);
  return new Map(
    shape.rows.map((row, i) => {
      const named = [...row[row.length - 1].text.matchAll(/`(\w+)`/g)].map((match) => match[1]);
      return [folders[i], named.filter((name) => folders.includes(name)).sort()];
    }),
  );
}

interface LayerRule { name: string; from: { path: string }; to: { pathNot?: string } }

/** What .dependency-cruiser.cjs lets each folder of src/ import, read from its `<folder>-imports-only-…` rules. */
export function dependencyCruiserLayers(): Map<string, string[]> {
  // eslint-disable-next-line @typescript-eslint/no-require-imports -- the configuration is CommonJS, as dependency-cruiser reads it
  const config = require(path.join(repoRoot, '.dependency-cruiser.cjs')) as { forbidden: LayerRule[] };
  const layers = new Map<string, string[]>();
  for (const rule of config.forbidden.filter((r) => /-imports-only-/.test(r.name))) {
    const folder = /^\^src\/(\w+)\/$/.exec(rule.from.path)?.[1];
    const allowed = /^\^src\/\(([\w|]+)\)\/$/.exec(rule.to.pathNot ?? '')?.[1].split('|');
    if (folder && allowed) layers.set(folder, allowed.filter((name) => name !== folder).sort());
  }
  return layers;
}

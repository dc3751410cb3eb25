import { createHash } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import path from 'node:path';
import { projectRoot } from '../../platform/project-root';

/**
 * The console's browser bundle (src/console, Preact), made by esbuild: by `npm run build` into
 * dist/console for the image, or in memory at the first request when the gateway runs from source
 * (npm start, tests), so a change to the console needs no separate build step.
 */
export interface ConsoleAsset {
  body: Buffer;
  type: string;
  etag: string;
}

export type ConsoleAssets = Map<string, ConsoleAsset>;

export const consoleEntry = path.join(projectRoot, 'src', 'console', 'main.tsx');
export const builtConsoleDir = path.join(projectRoot, 'dist', 'console');
export const consoleAssetNames = ['app.js', 'app.css'] as const;

const types: Record<string, string> = { '.js': 'text/javascript; charset=utf-8', '.css': 'text/css; charset=utf-8' };

const asset = (name: string, body: Buffer): ConsoleAsset => ({
  body,
  type: types[path.extname(name)],
  etag: `"${createHash('sha256').update(body).digest('base64url').slice(0, 22)}"`,
});

/** Bundles the console with esbuild; `outdir` writes the files there too (the build), else memory only. */
export async function bundleConsole(outdir?: string): Promise<ConsoleAssets> {
  const { build } = await import('esbuild');
  const result = await build({
    entryPoints: { app: consoleEntry },
    bundle: true,
    minify: true,
    format: 'esm',
    target: ['es2020'],
    jsx: 'automatic',
    jsxImportSource: 'preact',
    outdir: outdir ?? 'console',
    write: Boolean(outdir),
    legalComments: 'none',
    logLevel: 'silent',
  });
  const assets: ConsoleAssets = new Map();
  for (const file of result.outputFiles ?? []) assets.set(path.basename(file.path), asset(path.basename(file.path), Buffer.from(file.contents)));
  if (outdir) for (const name of consoleAssetNames) assets.set(name, asset(name, await readFile(path.join(outdir, name))));
  return assets;
}

async function readBuilt(): Promise<ConsoleAssets> {
  const assets: ConsoleAssets = new Map();
  for (const name of consoleAssetNames) {
    try {
      assets.set(name, asset(name, await readFile(path.join(builtConsoleDir, name))));
    } catch (err) {
      throw new Error(`The console's ${name} is missing from ${builtConsoleDir}: run \`npm run build\` (${(err as Error).message})`);
    }
  }
  return assets;
}

let loading: Promise<ConsoleAssets> | undefined;

/** The bundle, made once per process: prebuilt when running compiled (dist/), bundled from source otherwise. */
export function loadConsoleAssets(): Promise<ConsoleAssets> {
  const compiled = __filename.endsWith('.js');
  loading ??= (compiled ? readBuilt() : bundleConsole()).catch((err) => {
    loading = undefined; // a later request tries again
    throw err;
  });
  return loading;
}

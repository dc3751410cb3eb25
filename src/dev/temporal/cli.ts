import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { cacheDir, findOnPath } from '../local-tools';

/**
 * The Temporal CLI release Reelay builds when none is installed. v1.5.1 (server 1.29, UI 2.42) is the
 * newest whose go.mod has no `replace` directive, which `go install pkg@version` refuses.
 */
export const temporalCliVersion = 'v1.5.1';
const temporalCliModule = 'github.com/temporalio/cli/cmd/temporal';
/** Packages `go install -v` compiles for it from a cold cache, for the progress bar. */
const packagesToBuild = 1298;

export type CliSource = 'TEMPORAL_CLI' | 'PATH' | 'cache' | 'built';

export interface ResolvedCli {
  path: string;
  source: CliSource;
}

export const cachedCliPath = (): string => path.join(cacheDir(), `temporal-cli-${temporalCliVersion}`, 'temporal');

export const goAvailable = (): boolean => findOnPath('go') !== undefined;

/**
 * Finds a Temporal CLI without building: TEMPORAL_CLI, then `temporal` on PATH, then the cache.
 * Returns undefined when there is none yet.
 */
export function findTemporalCli(configuredPath?: string): ResolvedCli | undefined {
  if (configuredPath) {
    if (!existsSync(configuredPath)) throw new Error(`TEMPORAL_CLI points to ${configuredPath}, which does not exist`);
    return { path: configuredPath, source: 'TEMPORAL_CLI' };
  }
  const fromPath = findOnPath('temporal');
  if (fromPath) return { path: fromPath, source: 'PATH' };
  const cached = cachedCliPath();
  if (existsSync(cached)) return { path: cached, source: 'cache' };
  return undefined;
}

/**
 * Builds the Temporal CLI from the Go module proxy into the cache (several minutes on 2 cores, once).
 * Builds into a temporary folder and renames, so an interrupted or concurrent build never leaves a
 * half-written binary where the next run would trust it.
 */
export async function buildTemporalCli(onProgress: (built: number, total: number) => void): Promise<ResolvedCli> {
  const target = cachedCliPath();
  await mkdir(path.dirname(target), { recursive: true });
  const gobin = await mkdtemp(path.join(path.dirname(target), '.build-'));
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('go', ['install', '-v', `${temporalCliModule}@${temporalCliVersion}`], {
        env: { ...process.env, GOBIN: gobin, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim() },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let built = 0;
      let tail = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-4000);
        // `go install -v` prints each package path as it compiles it; downloads start with "go:".
        built += chunk.split('\n').filter((line) => line && !line.startsWith('go:') && !line.includes(' ')).length;
        onProgress(Math.min(built, packagesToBuild), packagesToBuild);
      });
      child.once('error', reject);
      child.once('exit', (code) =>
        code === 0 ? resolve() : reject(new Error(`go install ${temporalCliModule}@${temporalCliVersion} failed:\n${tail}`)),
      );
    });
    await rename(path.join(gobin, 'temporal'), target);
    onProgress(packagesToBuild, packagesToBuild);
    return { path: target, source: 'built' };
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}

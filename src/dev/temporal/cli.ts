import { existsSync } from 'node:fs';
import path from 'node:path';
import { goInstall } from '../go-install';
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

/** Builds the Temporal CLI from the Go module proxy into the cache (several minutes on 2 cores, once). */
export async function buildTemporalCli(onProgress: (built: number, total: number) => void): Promise<ResolvedCli> {
  const target = cachedCliPath();
  await goInstall({
    packages: [`${temporalCliModule}@${temporalCliVersion}`],
    binaries: { temporal: path.basename(target) },
    targetDir: path.dirname(target),
    packagesToBuild,
    onProgress,
  });
  return { path: target, source: 'built' };
}

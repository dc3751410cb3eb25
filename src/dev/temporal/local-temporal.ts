import path from 'node:path';
import { goAvailable } from '../go-install';
import { buildTemporalCli, findTemporalCli, type CliSource } from './cli';
import { startDevServer, type DevServer } from './dev-server';
import { startSdkManagedDevServer } from './sdk-dev-server';

export interface LocalTemporalOptions {
  /** TEMPORAL_CLI, when set. */
  cliPath?: string;
  namespace: string;
  dataDir: string;
  port: number;
  /** Omit for a headless server. */
  uiPort?: number;
  /** Keep workflows in memory only (tests). */
  ephemeral?: boolean;
  /** Reported while the CLI is being built from source, the first time only. */
  onBuildProgress?: (built: number, total: number) => void;
  onCliFound?: (source: CliSource | 'download', cliPath?: string) => void;
}

/**
 * A Temporal dev server for `npm start` and the tests: TEMPORAL_CLI, `temporal` on PATH, a cached
 * build, a fresh build with Go, or, with none of those, the SDK's download.
 */
export async function startLocalTemporal(options: LocalTemporalOptions): Promise<DevServer> {
  const { dataDir, port, uiPort, namespace, ephemeral } = options;
  const dbFile = ephemeral ? undefined : path.join(dataDir, 'temporal.sqlite');
  let cli = findTemporalCli(options.cliPath);
  if (!cli && goAvailable()) cli = await buildTemporalCli(options.onBuildProgress ?? (() => {}));
  if (!cli) {
    options.onCliFound?.('download');
    return startSdkManagedDevServer({ dbFile, port, uiPort, namespace });
  }
  options.onCliFound?.(cli.source, cli.path);
  return startDevServer({
    cliPath: cli.path,
    dbFile,
    port,
    uiPort,
    namespace,
    logFile: path.join(dataDir, 'temporal.log'),
    pidFile: ephemeral ? undefined : path.join(dataDir, 'temporal.pid'),
  });
}

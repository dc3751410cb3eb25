import { existsSync } from 'node:fs';
import path from 'node:path';
import { goInstall } from '../go-install';
import { cacheDir } from '../local-tools';

/**
 * The Temporal server release `npm run cluster` runs: the one `docker-compose.yml` pins (a test holds
 * them together), and the server inside the CLI that `npm start` runs.
 */
export const temporalServerVersion = '1.29.1';
const serverModule = 'go.temporal.io/server';
/** Packages `go install -v` compiles for both commands from a cold cache, for the progress bar. */
const packagesToBuild = 1750;
/** The Web UI release `docker-compose.yml` pins, the one inside the CLI: its server, with the UI's assets embedded. */
export const temporalUiVersion = '2.42.1';
const uiModule = 'github.com/temporalio/ui-server/v2';
const uiPackagesToBuild = 250;

export interface TemporalServerBinaries {
  /** `temporal-server`: frontend, history, matching and worker services in one process. */
  server: string;
  /** `temporal-sql-tool`: creates and upgrades the server's PostgreSQL schemas. */
  sqlTool: string;
  /** `temporal-ui-server`: the Web UI; undefined when it could not be built. */
  ui?: string;
}

const cachedBinaries = (): TemporalServerBinaries => {
  const dir = path.join(cacheDir(), `temporal-server-v${temporalServerVersion}`);
  return { server: path.join(dir, 'temporal-server'), sqlTool: path.join(dir, 'temporal-sql-tool'), ui: path.join(dir, `temporal-ui-server-v${temporalUiVersion}`) };
};

/** The server and its SQL tool from the cache, or undefined before the first build. */
export function findTemporalServer(): TemporalServerBinaries | undefined {
  const binaries = cachedBinaries();
  if (!existsSync(binaries.server) || !existsSync(binaries.sqlTool)) return undefined;
  return { ...binaries, ui: existsSync(binaries.ui!) ? binaries.ui : undefined };
}

/**
 * Builds the server and its SQL tool, then the Web UI server, from the Go module proxy into the cache
 * (minutes, once). The UI is optional: when it does not build, the cluster runs without it.
 */
export async function buildTemporalServer(onProgress: (built: number, total: number) => void): Promise<TemporalServerBinaries> {
  const binaries = cachedBinaries();
  await goInstall({
    packages: [`${serverModule}/cmd/server@v${temporalServerVersion}`, `${serverModule}/cmd/tools/sql@v${temporalServerVersion}`],
    binaries: { server: path.basename(binaries.server), sql: path.basename(binaries.sqlTool) },
    targetDir: path.dirname(binaries.server),
    packagesToBuild,
    onProgress: (built) => onProgress(built, packagesToBuild + uiPackagesToBuild),
  });
  const ui = await goInstall({
    packages: [`${uiModule}/cmd/server@v${temporalUiVersion}`],
    binaries: { server: path.basename(binaries.ui!) },
    targetDir: path.dirname(binaries.server),
    packagesToBuild: uiPackagesToBuild,
    onProgress: (built) => onProgress(packagesToBuild + built, packagesToBuild + uiPackagesToBuild),
  }).then(
    () => binaries.ui,
    () => undefined,
  );
  return { ...binaries, ui };
}

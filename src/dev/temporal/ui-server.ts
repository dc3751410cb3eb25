import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { spawnLogged, waitForHttp } from '../logged-process';

export interface UiServer {
  url: string;
  stop(): Promise<void>;
}

/** The Temporal Web UI (ui-server, assets embedded) in front of the frontend at `temporalAddress`. */
export async function startUiServer(options: { binary: string; temporalAddress: string; port: number; namespace: string; dataDir: string }): Promise<UiServer> {
  const { binary, temporalAddress, port, namespace, dataDir } = options;
  const configDir = path.join(dataDir, 'config');
  await mkdir(configDir, { recursive: true });
  await writeFile(path.join(configDir, 'base.yaml'), '');
  await writeFile(
    path.join(configDir, 'reelay.yaml'),
    stringify({ temporalGrpcAddress: temporalAddress, host: '127.0.0.1', port, enableUi: true, defaultNamespace: namespace, cors: { cookieInsecure: true } }),
  );
  const logFile = path.join(dataDir, 'ui-server.log');
  const ui = await spawnLogged(binary, ['--root', dataDir, '--config', 'config', '--env', 'reelay', 'start'], {
    logFile,
    pidFile: { path: path.join(dataDir, 'ui-server.pid'), program: 'temporal-ui-server' },
  });
  const url = `http://localhost:${port}`;
  await waitForHttp(url, ui.child, { timeoutMs: 30_000, ready: (status) => status >= 200 && status < 300 }).catch(async (err: Error) => {
    await ui.kill();
    throw new Error(`the Temporal Web UI did not start on ${url}: ${err.message} (log: ${logFile})`);
  });
  return { url, stop: () => ui.stop() };
}

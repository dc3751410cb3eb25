import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { Stack } from '../../src/dev/start-stack';
import { createAssetLinkSigner } from '../../src/media/asset-links';
import { sharedSeaweed, stopSharedSeaweed } from './asset-stores';
import { extraGateways } from './extra-gateway';
import { waitFor } from './projects';
import { freePort, testAssetLinkSecret, testEnv } from './test-stack';
import { WorkerProcess } from './worker-process';

/** A link as Reelay stores it: without the signature it is handed out with. */
export const stable = (url: string | null) => url && url.split('?')[0];
/** What a test signs with: the secret every test deployment shares. */
export const testSigner = (ttlSeconds = 600) => createAssetLinkSigner({ secrets: [testAssetLinkSecret], ttlSeconds });

export interface FilmView {
  status: string;
  final_video_url: string | null;
  scenes: { video_url: string | null; last_frame_url: string | null }[];
}

/** Waits for a film to end (completed, failed or cancelled) and answers its last view. */
export const filmEnds = (read: () => Promise<FilmView>) =>
  waitFor(async () => {
    const view = await read();
    return ['completed', 'failed', 'cancelled'].includes(view.status) && view;
  }, 180_000, 'the film to end');

/**
 * For a describe block: deployments that do the media steps themselves, each a gateway and a worker
 * process of their own (their own task queues) on the shared stack's Temporal and PostgreSQL, with the
 * simulator's services configured. Everything started is stopped after the block.
 */
export function mediaDeployments(stackOf: () => Stack) {
  const gateway = extraGateways(stackOf);
  const workers: WorkerProcess[] = [];
  let assetDir: string | undefined;
  after(async () => {
    await Promise.all(workers.map((w) => w.stop()));
    if (assetDir) await rm(assetDir, { recursive: true, force: true });
    await stopSharedSeaweed();
  });

  /** The store's variables: a folder, or a bucket on SeaweedFS (fetched into ~/.cache/reelay on first use). */
  const storeEnv = {
    local: async () => ({ ASSET_STORE: 'local', ASSET_DIR: (assetDir ??= await mkdtemp(path.join(os.tmpdir(), 'reelay-media-film-'))) }),
    s3: async () => {
      const s3 = await sharedSeaweed();
      return { ASSET_STORE: 's3', S3_BUCKET: s3.bucket, S3_REGION: s3.region, S3_ENDPOINT: s3.endpoint, S3_ACCESS_KEY_ID: s3.accessKeyId, S3_SECRET_ACCESS_KEY: s3.secretAccessKey };
    },
  };

  /** A gateway and a worker process of their own with these variables. */
  async function deployment(env: Record<string, string>) {
    const stack = stackOf();
    const services = {
      VIDEO_GENERATION_SERVICE: stack.simulator!.url,
      LAST_FRAME_SERVICE_URL: stack.simulator!.url,
      STITCH_SERVICE_URL: stack.simulator!.url,
      NOTIFICATION_SERVICE_URL: stack.simulator!.url,
    };
    const api = await gateway({ ...services, ...env });
    const startWorker = async () => {
      const healthPort = await freePort();
      const worker = new WorkerProcess(
        {
          ...process.env,
          ...testEnv({
            ...env,
            ...services,
            LOG_LEVEL: 'warn',
            DATABASE_URL: stack.databaseUrl,
            TEMPORAL_ADDRESS: stack.temporalAddress,
            // Webhooks and the asset links both go to this deployment's own gateway.
            NEXT_PUBLIC_APP_URL: api.url,
            WORKER_HEALTH_PORT: String(healthPort),
          }),
        },
        healthPort,
      );
      workers.push(worker);
      await worker.start();
      return worker;
    };
    return { url: api.url, worker: await startWorker(), startWorker };
  }

  return { gateway, deployment, storeEnv };
}

import path from 'node:path';
import { z } from 'zod';
import { defaultMediaTaskQueue, mediaStepModes, type MediaStepMode } from '../contracts/media';
import { projectRoot } from './project-root';
import { secretList } from './secret-list';

export const assetStoreKinds = ['none', 'local', 's3'] as const;
export type AssetStoreKind = (typeof assetStoreKinds)[number];

const optional = <T extends z.ZodType>(schema: T) => z.preprocess((v) => (v === '' ? undefined : v), schema.optional());

/** The built-in media steps' and the asset store's variables (docs/media.md). */
export const mediaEnvSchema = {
  /** Who extracts a scene's last frame: the guide's service (`remote`, the default) or Reelay with ffmpeg (`builtin`). */
  LAST_FRAME_STEP: z.enum(mediaStepModes).default('remote'),
  /** Who stitches the film: `remote` (the default) or `builtin`. */
  STITCH_STEP: z.enum(mediaStepModes).default('remote'),
  /** Where the film's media are kept: `none`, `local` or `s3`; unset: `local` under npm start, `none` elsewhere. */
  ASSET_STORE: optional(z.enum(assetStoreKinds)),
  /** The local store's folder (default: .data/assets in the project root). */
  ASSET_DIR: optional(z.string().trim().min(1)),
  /** Base of the links Reelay hands out for stored assets; default: the gateway's own /assets. */
  ASSET_PUBLIC_URL: optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' }).transform((u) => u.replace(/\/+$/, ''))),
  /** Signs the asset links Reelay hands out (gateway and worker share it); required with a store outside npm start. */
  ASSET_LINK_SECRET: secretList,
  /** How long a handed-out asset link (and the signed S3 link the gateway redirects to) stays valid. */
  ASSET_URL_TTL_SECONDS: z.coerce.number().int().min(1).max(7 * 24 * 3600).default(3600),
  /** Days a finished film's intermediate assets (scene videos, last frames) are kept; 0 keeps them forever. */
  ASSET_INTERMEDIATE_RETENTION_DAYS: z.coerce.number().int().min(0).default(0),
  S3_BUCKET: optional(z.string().trim().min(1)),
  S3_REGION: z.string().trim().min(1).default('us-east-1'),
  /** An S3-compatible server (R2, GCS's S3 API, SeaweedFS); AWS when empty. */
  S3_ENDPOINT: optional(z.url({ protocol: /^https?$/, error: 'must be an http(s) URL' })),
  S3_ACCESS_KEY_ID: optional(z.string().trim().min(1)),
  S3_SECRET_ACCESS_KEY: optional(z.string().trim().min(1)),
  MEDIA_TASK_QUEUE: z.string().trim().min(1).default(defaultMediaTaskQueue),
  /** Whether this worker also runs the media activities (`with-projects`, the default) or not (`off`). */
  MEDIA_WORKER: z.enum(['with-projects', 'off']).default('with-projects'),
  /** The ffmpeg the built-in steps (and the simulator) run; else @ffmpeg-installer/linux-x64, else PATH. */
  FFMPEG_PATH: optional(z.string().trim().min(1)),
};

type MediaEnv = z.infer<z.ZodObject<typeof mediaEnvSchema>>;

export type AssetStoreSettings =
  | { kind: 'none' }
  | { kind: 'local'; root: string }
  | { kind: 's3'; bucket: string; region: string; endpoint?: string; accessKeyId?: string; secretAccessKey?: string };

export interface MediaSettings {
  lastFrame: MediaStepMode;
  stitch: MediaStepMode;
  store: AssetStoreSettings;
  publicUrl?: string;
  urlTtlSeconds: number;
  /** ASSET_LINK_SECRET (or one npm start made up); empty without a store. */
  linkSecrets: string[];
  intermediateRetentionDays: number;
  taskQueue: string;
  worker: MediaEnv['MEDIA_WORKER'];
  ffmpegPath?: string;
}

/** Beside npm start's other data (.data, which git ignores). */
export const defaultAssetDir = path.join(projectRoot, '.data', 'assets');

/** `defaultStore`: the store when ASSET_STORE is unset (`local` for npm start, which keeps its films' media). */
export function mediaSettings(env: MediaEnv, defaultStore: AssetStoreKind = 'none', generatedSecret?: () => string | undefined): MediaSettings {
  const kind = env.ASSET_STORE ?? defaultStore;
  const store: AssetStoreSettings =
    kind === 'local'
      ? { kind: 'local', root: path.resolve(env.ASSET_DIR ?? defaultAssetDir) }
      : kind === 's3'
        ? { kind: 's3', bucket: env.S3_BUCKET ?? '', region: env.S3_REGION, endpoint: env.S3_ENDPOINT, accessKeyId: env.S3_ACCESS_KEY_ID, secretAccessKey: env.S3_SECRET_ACCESS_KEY }
        : { kind: 'none' };
  if (store.kind === 's3' && !store.bucket) throw new Error('ASSET_STORE=s3 needs S3_BUCKET');
  if (store.kind === 'none' && (env.LAST_FRAME_STEP === 'builtin' || env.STITCH_STEP === 'builtin')) {
    throw new Error('Built-in media steps (LAST_FRAME_STEP/STITCH_STEP=builtin) need an asset store: set ASSET_STORE to local or s3');
  }
  return {
    lastFrame: env.LAST_FRAME_STEP,
    stitch: env.STITCH_STEP,
    store,
    publicUrl: env.ASSET_PUBLIC_URL,
    urlTtlSeconds: env.ASSET_URL_TTL_SECONDS,
    linkSecrets: store.kind === 'none' ? [] : (env.ASSET_LINK_SECRET ?? [generatedSecret?.()].filter((s): s is string => Boolean(s))),
    intermediateRetentionDays: env.ASSET_INTERMEDIATE_RETENTION_DAYS,
    taskQueue: env.MEDIA_TASK_QUEUE,
    worker: env.MEDIA_WORKER,
    ffmpegPath: env.FFMPEG_PATH,
  };
}

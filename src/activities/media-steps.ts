import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Context } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { CopyAssetInput, ExtractLastFrameInput, MediaActivities, StitchFilmInput, StoredAssetAnswer } from '../contracts/media';
import { callbackBaseUrl, type Config } from '../platform/config';
import { assetKeys, type AssetStore, type StoredAsset } from '../media/asset-store';
import { copyUrlToStore, downloadToFile, SourceGone, storeFile } from '../media/copy-asset';
import { locateFfmpeg, type Ffmpeg } from '../media/ffmpeg';
import { extractLastFrame } from '../media/last-frame';
import { assetLink, keyOfAssetLink } from '../media/open-store';
import { stitchVideos } from '../media/stitch';

/** Failure types the workflow reports as they are (not retried: a link that is gone stays gone). */
export const mediaErrorTypes = { sourceGone: 'SourceGone', noFfmpeg: 'FfmpegMissing' } as const;

/**
 * The media activities (media task queue): copies into the asset store, and the built-in last frame and
 * stitch with ffmpeg. Each works in a scratch folder of its own, removed afterwards, and writes its
 * result under a stable key, so a retried attempt overwrites nothing but an identical copy.
 */
/** How often a copy or a last frame reports that its worker is alive (the heartbeat timeout is 30 s). */
const heartbeatEveryMs = 5_000;

export function createMediaActivities(config: Config, store: AssetStore): MediaActivities {
  const publicBase = config.media.publicUrl ?? callbackBaseUrl(config);
  let ffmpeg: Promise<Ffmpeg> | undefined;
  const ffmpegOnce = () => (ffmpeg ??= locateFfmpeg(config.media.ffmpegPath).catch((err: Error) => {
    ffmpeg = undefined;
    throw ApplicationFailure.nonRetryable(err.message, mediaErrorTypes.noFfmpeg);
  }));
  const answer = (stored: StoredAsset, detail?: Record<string, unknown>): StoredAssetAnswer => ({
    url: assetLink(publicBase, stored.key),
    key: stored.key,
    sha256: stored.sha256,
    size: stored.size,
    ...(detail ? { detail } : {}),
  });

  async function inScratch<T>(work: (dir: string) => Promise<T>): Promise<T> {
    const dir = await mkdtemp(path.join(os.tmpdir(), 'reelay-media-'));
    try {
      return await work(dir);
    } catch (err) {
      if (err instanceof SourceGone) throw ApplicationFailure.nonRetryable(err.message, mediaErrorTypes.sourceGone);
      throw err;
    } finally {
      await rm(dir, { recursive: true, force: true });
    }
  }

  /** A video into a local file: from the store when it is one of ours, else downloaded. */
  async function fetchVideo(url: string, file: string): Promise<void> {
    const key = keyOfAssetLink(publicBase, url);
    if (key && (await store.head(key))) return store.download(key, file);
    await downloadToFile(url, file, Context.current().cancellationSignal);
  }

  const keyFor = ({ projectId, kind, sceneIndex = 0, url }: CopyAssetInput): string => {
    const n = sceneIndex + 1;
    if (kind === 'sceneVideo') return assetKeys.sceneVideo(projectId, n);
    if (kind === 'sceneLastFrame') return assetKeys.sceneLastFrame(projectId, n);
    if (kind === 'sceneThumbnail') return assetKeys.sceneThumbnail(projectId, n, /\.(png|jpe?g|webp)(\?|$)/i.exec(url)?.[1].toLowerCase() ?? 'jpg');
    return assetKeys.film(projectId);
  };

  /**
   * Heartbeats every few seconds while `work` runs, so a worker killed mid-copy (or mid-decode) is
   * noticed within the activity's heartbeat timeout and the step retried elsewhere, not after its
   * start-to-close timeout of minutes.
   */
  async function alive<T>(work: () => Promise<T>): Promise<T> {
    const ctx = Context.current();
    const beat = setInterval(() => ctx.heartbeat(), heartbeatEveryMs);
    try {
      return await work();
    } finally {
      clearInterval(beat);
    }
  }

  return {
    copyAsset: (input) =>
      alive(() => inScratch(async (dir) => {
        const key = keyFor(input);
        if (keyOfAssetLink(publicBase, input.url) === key) {
          const stored = await store.head(key);
          if (stored) return answer(stored);
        }
        return answer(await copyUrlToStore(store, input.url, key, path.join(dir, 'copy'), Context.current().cancellationSignal));
      })),

    extractLastFrame: ({ projectId, sceneIndex, videoUrl }: ExtractLastFrameInput) =>
      alive(() => inScratch(async (dir) => {
        const video = path.join(dir, 'scene.mp4');
        await fetchVideo(videoUrl, video);
        const frame = path.join(dir, 'last-frame.png');
        const run = await extractLastFrame(await ffmpegOnce(), video, frame, Context.current().cancellationSignal);
        const stored = await storeFile(store, frame, assetKeys.sceneLastFrame(projectId, sceneIndex + 1), 'image/png');
        return answer(stored, { builtIn: true, cpuSeconds: run.cpuSeconds });
      })),

    stitchFilm: ({ projectId, videoUrls }: StitchFilmInput) =>
      inScratch(async (dir) => {
        const ctx = Context.current();
        const scenes: string[] = [];
        for (const [i, url] of videoUrls.entries()) {
          const file = path.join(dir, `scene-${i + 1}.mp4`);
          await fetchVideo(url, file);
          scenes.push(file);
          ctx.heartbeat({ stage: 'fetching', scenes: i + 1 });
        }
        const film = path.join(dir, 'film.mp4');
        const result = await stitchVideos(await ffmpegOnce(), scenes, film, {
          listFile: path.join(dir, 'scenes.txt'),
          signal: ctx.cancellationSignal,
          onProgress: (seconds) => ctx.heartbeat({ stage: 'stitching', seconds }),
        });
        ctx.heartbeat({ stage: 'storing' });
        const stored = await storeFile(store, film, assetKeys.film(projectId), 'video/mp4');
        return answer(stored, { builtIn: true, method: result.method, cpuSeconds: result.cpuSeconds });
      }),
  };
}

import { createReadStream } from 'node:fs';
import { appendFile, mkdtemp, rename, rm, stat, writeFile } from 'node:fs/promises';
import { Transform, type Readable } from 'node:stream';
import { setTimeout as sleep } from 'node:timers/promises';
import os from 'node:os';
import path from 'node:path';
import type Router from '@koa/router';
import { parseByteRange } from '../simulator/media/byte-range';
import { FfmpegRenderer } from '../simulator/media/ffmpeg-render';
import { findFont } from '../simulator/media/find-font';
import { locateFfmpeg } from '../simulator/media/locate-ffmpeg';
import { drawScenePicture } from '../simulator/media/scene-picture';

/** What a stand-in's finished task shows: its prompt, and the frame it was asked to open on. */
export interface PublishedVideo {
  prompt: string;
  startFrameUrl: string | null;
  /** When the links stop working, as the providers' output links do (Replicate's after an hour). */
  expiresAt: number;
}

/**
 * The videos the providers' stand-ins hand out, as real providers do: a link per finished task, valid for
 * a while, then gone (404). Each video is made with ffmpeg on its first request (a bench finishes
 * thousands of tasks and fetches none): the task's picture, opening on the start frame it was given
 * (fetched over http), so a film made through a stand-in shows its chain. Files live in a temporary
 * folder as long as the stand-in.
 */
/** Large, slow outputs, as a long scene from a real provider is: for tests of a copy interrupted mid-way. */
export interface LargeOutputs {
  /** Bytes added to each video made from now on, as a top-level MP4 `free` box (players skip it). */
  paddingBytes: number;
  /** How fast videos are served. */
  bytesPerSecond: number;
}

export class StandInVideos {
  /** Videos being sent right now (a test kills a copier while one is). */
  sending = 0;
  private large?: LargeOutputs;
  private readonly published = new Map<string, PublishedVideo>();
  private readonly files = new Map<string, Promise<string>>();
  private folder?: Promise<string>;
  private renderer?: Promise<FfmpegRenderer>;

  constructor(
    private readonly baseUrl: () => string,
    private readonly ttlMs: number,
  ) {}

  /** Publishes a finished task's video and thumbnail; returns their links. */
  publish(taskId: string, video: Omit<PublishedVideo, 'expiresAt'>, now = Date.now()): { videoUrl: string; thumbnailUrl: string } {
    this.published.set(taskId, { ...video, expiresAt: now + this.ttlMs });
    return { videoUrl: `${this.baseUrl()}/outputs/${taskId}.mp4`, thumbnailUrl: `${this.baseUrl()}/outputs/${taskId}.png` };
  }

  /** Expires every link handed out so far (a test's "an hour later"). */
  expireAll(): void {
    for (const video of this.published.values()) video.expiresAt = 0;
  }

  /** Videos made from now on are padded and served slowly (undefined: as usual again). */
  serveLarge(large: LargeOutputs | undefined): void {
    this.large = large;
  }

  /** GET/HEAD `/outputs/:file`: the video or its thumbnail while the link lives, with byte ranges. */
  route(router: Router): void {
    router.get('/outputs/:file', async (ctx) => {
      const match = /^([\w.-]{1,120})\.(mp4|png)$/.exec(ctx.params.file ?? '');
      const video = match && this.published.get(match[1]);
      if (!match || !video || video.expiresAt <= Date.now()) {
        ctx.status = 404;
        ctx.body = { detail: video ? 'This file has expired.' : 'Not found.' };
        return;
      }
      const file = await this.file(match[1], match[2] as 'mp4' | 'png', video);
      const { size } = await stat(file);
      ctx.set('Accept-Ranges', 'bytes');
      const range = parseByteRange(ctx.get('range') || undefined, size);
      if (range === 'unsatisfiable') {
        ctx.status = 416;
        ctx.set('Content-Range', `bytes */${size}`);
        return;
      }
      if (range) {
        ctx.status = 206;
        ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
      }
      const stream = createReadStream(file, { ...range, highWaterMark: 64 * 1024 });
      ctx.body = match[2] === 'mp4' && this.large && ctx.method === 'GET' ? this.throttled(stream, this.large.bytesPerSecond) : stream;
      ctx.type = match[2] === 'mp4' ? 'video/mp4' : 'image/png';
      ctx.length = range ? range.end - range.start + 1 : size;
    });
  }

  /** `stream` at about `bytesPerSecond`, counted in `sending` while it flows. */
  private throttled(stream: Readable, bytesPerSecond: number): Readable {
    this.sending += 1;
    let done = false;
    const finish = () => {
      if (!done) this.sending -= 1;
      done = true;
    };
    const pace = new Transform({
      transform(chunk: Buffer, _enc, next) {
        sleep((chunk.length / bytesPerSecond) * 1000).then(() => next(null, chunk), next);
      },
    });
    pace.once('end', finish).once('error', finish).once('close', () => {
      finish();
      stream.destroy(); // a reader that went away (a killed copier) leaves no open file behind
    });
    return stream.pipe(pace);
  }

  async stop(): Promise<void> {
    const folder = await this.folder?.catch(() => undefined);
    if (folder) await rm(folder, { recursive: true, force: true });
  }

  private file(taskId: string, type: 'mp4' | 'png', video: PublishedVideo): Promise<string> {
    const picture = this.once(`${taskId}.png`, async (out) => {
      await writeFile(`${out}.bg.png`, drawScenePicture(video.prompt, 1));
      try {
        await (await this.ffmpeg()).captionPicture(`${out}.bg.png`, 'Stand-in', video.prompt, out);
      } finally {
        await rm(`${out}.bg.png`, { force: true });
      }
    });
    if (type === 'png') return picture;
    return this.once(`${taskId}.mp4`, async (out) => {
      const start = video.startFrameUrl ? await this.download(video.startFrameUrl, `${out}.start`) : undefined;
      try {
        await (await this.ffmpeg()).sceneVideo(await picture, start, out);
        if (this.large) await appendFile(out, freeBox(this.large.paddingBytes));
      } finally {
        if (start) await rm(start, { force: true });
      }
    });
  }

  /** The start frame, fetched over http(s) only and without following redirects. */
  private async download(url: string, to: string): Promise<string | undefined> {
    if (!/^https?:\/\//i.test(url)) return undefined;
    const answer = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(30_000) });
    if (!answer.ok) throw new Error(`the start frame ${url} answered ${answer.status}`);
    await writeFile(to, Buffer.from(await answer.arrayBuffer()));
    return to;
  }

  private once(name: string, make: (out: string) => Promise<void>): Promise<string> {
    let file = this.files.get(name);
    if (!file) {
      file = (async () => {
        this.folder ??= mkdtemp(path.join(os.tmpdir(), 'reelay-stand-in-'));
        const final = path.join(await this.folder, name);
        const partial = `${final}.partial${path.extname(final)}`;
        await make(partial);
        await rename(partial, final);
        return final;
      })();
      this.files.set(name, file);
      file.catch(() => this.files.delete(name));
    }
    return file;
  }

  private ffmpeg(): Promise<FfmpegRenderer> {
    this.renderer ??= (async () => {
      const found = await locateFfmpeg();
      if ('missing' in found) throw new Error(`the provider stand-ins make videos with ffmpeg: ${found.missing}`);
      return new FfmpegRenderer(found, await findFont());
    })();
    return this.renderer;
  }
}

/** An MP4 `free` box of `bytes` in all (size, type, zeros): valid anywhere at the top level, skipped by players. */
function freeBox(bytes: number): Buffer {
  const box = Buffer.alloc(Math.max(8, bytes));
  box.writeUInt32BE(box.length, 0);
  box.write('free', 4, 'latin1');
  return box;
}

import { mkdtemp, rename, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import type { ServiceRequest } from '../../../contracts/services';
import type { TaskWork } from '../simulated-tasks';
import { findFont } from './find-font';
import { FfmpegRenderer } from './ffmpeg-render';
import { locateFfmpeg } from './locate-ffmpeg';
import { drawScenePicture } from './scene-picture';

/** The media the simulated services' callbacks name, by the folder of their URL, and each one's file type. */
export const mediaKinds = { videos: 'mp4', thumbnails: 'png', frames: 'png', films: 'mp4' } as const;
export type MediaKind = keyof typeof mediaKinds;

export interface MediaOptions {
  /** What a completed task was asked to do; undefined for a task this simulator does not know (or that failed). */
  work: (taskId: string) => TaskWork | undefined;
  /** The simulator's own URL: media of its own named in a request are read from the cache, not fetched. */
  baseUrl: () => string;
  /** This ffmpeg and no other; FFMPEG_PATH, else the first found, when not given. */
  ffmpegPath?: string;
  maxConcurrentRenders?: number;
}

/** Why a URL has nothing behind it: answered as a 404 with this reason. */
export class MediaUnavailable extends Error {
  constructor(
    readonly code: 'not_found' | 'no_video',
    message: string,
  ) {
    super(message);
  }
}

/**
 * The simulated services' media, made on first request and never before (the bench completes thousands
 * of tasks and fetches none), then kept as files in a folder of the system's temporary directory that
 * lives as long as the simulator. Requests for a file being made wait for that same rendering.
 *
 * With ffmpeg: a scene's picture with its text, a 3-second scene video that opens on the previous
 * scene's last frame, that last frame decoded from the video, and the film joined from the scenes.
 * Without: the pictures alone (drawn by pngjs, no text); videos and films answer 404 saying why.
 */
export class SimulatorMedia {
  private readonly files = new Map<string, Promise<string>>();
  private tools?: Promise<{ renderer?: FfmpegRenderer; summary: string }>;
  private folder?: Promise<string>;

  constructor(private readonly options: MediaOptions) {}

  /** One line on how media are made here (looks for ffmpeg and a font the first time). */
  async describe(): Promise<string> {
    return `simulator media: ${(await this.renderTools()).summary}`;
  }

  /** The file behind `/media/<kind>/<taskId>.<type>`, made now if it is the first request for it. */
  async file(kind: MediaKind, taskId: string): Promise<string> {
    const work = this.options.work(taskId);
    switch (kind) {
      case 'thumbnails':
        if (work?.endpoint === 'video-complete') return this.scenePicture(taskId, work.request);
        if (work?.endpoint === 'stitch-complete') return this.titleCard(taskId, work.request);
        break;
      case 'videos':
        if (work?.endpoint === 'video-complete') return this.sceneVideo(taskId, work.request);
        break;
      case 'frames':
        if (work?.endpoint === 'last-frame-complete') return this.lastFrame(taskId, work.request);
        break;
      case 'films':
        if (work?.endpoint === 'stitch-complete') return this.film(taskId, work.request);
        break;
    }
    throw new MediaUnavailable('not_found', `no completed task ${taskId} with ${kind}`);
  }

  async stop(): Promise<void> {
    const folder = await this.folder?.catch(() => undefined);
    if (folder) await rm(folder, { recursive: true, force: true });
  }

  private scenePicture(taskId: string, request: ServiceRequest['video']): Promise<string> {
    const number = request.scene_index + 1;
    return this.picture(`thumbnail-${taskId}.png`, request.prompt, number, `Scene ${number}`);
  }

  /** The film's thumbnail: a card in the same style, one dot per scene. */
  private titleCard(taskId: string, request: ServiceRequest['stitch']): Promise<string> {
    const scenes = request.scenes.length;
    return this.picture(`thumbnail-${taskId}.png`, `Project ${request.project_id}: ${scenes} scene${scenes === 1 ? '' : 's'}`, scenes, 'Film');
  }

  private picture(name: string, prompt: string, number: number, title: string): Promise<string> {
    return this.once(name, async (out) => {
      const { renderer } = await this.renderTools();
      if (!renderer) return writeFile(out, drawScenePicture(prompt, number));
      const background = `${out}.background.png`;
      await writeFile(background, drawScenePicture(prompt, number));
      try {
        await renderer.captionPicture(background, title, prompt, out);
      } finally {
        await rm(background, { force: true });
      }
    });
  }

  private async sceneVideo(taskId: string, request: ServiceRequest['video']): Promise<string> {
    const renderer = await this.requireFfmpeg('video');
    const picture = await this.scenePicture(taskId, request);
    // The previous scene's last frame, when it is one of ours; a stranger's URL is left out.
    const startFrameId = this.ownTaskId(request.start_frame_url, 'frames');
    const startFrame = startFrameId ? await this.file('frames', startFrameId).catch(() => undefined) : undefined;
    return this.once(`video-${taskId}.mp4`, (out) => renderer.sceneVideo(picture, startFrame, out));
  }

  private async lastFrame(taskId: string, request: ServiceRequest['lastFrame']): Promise<string> {
    const { renderer } = await this.renderTools();
    const videoId = this.ownTaskId(request.video_url, 'videos');
    if (!renderer) {
      // No video to decode: the scene's picture is what its last frame would show.
      return videoId ? this.file('thumbnails', videoId) : this.picture(`frame-${taskId}.png`, request.video_url, 1, 'Last frame');
    }
    if (videoId) {
      const video = await this.file('videos', videoId);
      return this.once(`frame-${taskId}.png`, (out) => renderer.lastFrame(video, out));
    }
    // A stranger's video: fetched over http(s) only, never a local file (`file:`, `concat:`).
    if (!/^https?:\/\//i.test(request.video_url)) throw new MediaUnavailable('no_video', 'the simulator reads videos over http(s) only');
    return this.once(`frame-${taskId}.png`, (out) => renderer.lastFrame(request.video_url, out, { remote: true }));
  }

  private async film(taskId: string, request: ServiceRequest['stitch']): Promise<string> {
    const renderer = await this.requireFfmpeg('film');
    // Its own scene videos from its cache; a provider's (a stand-in's) fetched over http(s), never a local file.
    const videos = await Promise.all(
      request.scenes.map((scene, i) => {
        const own = this.ownTaskId(scene.video_url, 'videos');
        if (own) return this.file('videos', own);
        if (!/^https?:\/\//i.test(scene.video_url)) throw new MediaUnavailable('no_video', 'the simulator reads videos over http(s) only');
        return this.once(`film-${taskId}-scene-${i}.mp4`, (out) => download(scene.video_url, out));
      }),
    );
    return this.once(`film-${taskId}.mp4`, (out) => renderer.concat(videos, out));
  }

  private async requireFfmpeg(what: string): Promise<FfmpegRenderer> {
    const { renderer, summary } = await this.renderTools();
    if (!renderer) throw new MediaUnavailable('no_video', `no ${what}: ${summary}`);
    return renderer;
  }

  /** The task id in a URL of this simulator's `/media/<kind>/`, or undefined for any other URL. */
  private ownTaskId(url: string | null, kind: MediaKind): string | undefined {
    const prefix = `${this.options.baseUrl()}/media/${kind}/`;
    if (!url?.startsWith(prefix)) return undefined;
    return new RegExp(`^([\\w-]+)\\.${mediaKinds[kind]}$`).exec(url.slice(prefix.length))?.[1];
  }

  /**
   * The file called `name`, made by `render` the first time (into a temporary name, renamed when whole,
   * so nobody is ever served half a file); everyone asking meanwhile waits for that one rendering.
   */
  private once(name: string, render: (out: string) => Promise<void>): Promise<string> {
    let file = this.files.get(name);
    if (!file) {
      file = (async () => {
        this.folder ??= mkdtemp(path.join(os.tmpdir(), 'reelay-simulator-media-'));
        const final = path.join(await this.folder, name);
        const partial = final.replace(/(\.\w+)$/, `.partial-${process.hrtime.bigint()}$1`);
        try {
          await render(partial);
          await rename(partial, final);
        } finally {
          await rm(partial, { force: true });
        }
        return final;
      })();
      this.files.set(name, file);
      // A failed rendering is tried again at the next request.
      file.catch(() => this.files.delete(name));
    }
    return file;
  }

  private renderTools(): Promise<{ renderer?: FfmpegRenderer; summary: string }> {
    this.tools ??= (async () => {
      const ffmpeg = await locateFfmpeg(this.options.ffmpegPath);
      if ('missing' in ffmpeg) return { summary: `${ffmpeg.missing}, still images only` };
      const font = await findFont();
      return {
        renderer: new FfmpegRenderer(ffmpeg, font, this.options.maxConcurrentRenders),
        summary: `ffmpeg ${ffmpeg.version} (${ffmpeg.path}), ${font ? `text in ${font}` : 'no font found: pictures without text'}`,
      };
    })();
    return this.tools;
  }
}

/** A scene video from elsewhere, refusing redirects (the URL came in a callback) and anything but a 2xx. */
async function download(url: string, to: string): Promise<void> {
  const answer = await fetch(url, { redirect: 'manual', signal: AbortSignal.timeout(60_000) });
  if (!answer.ok) throw new MediaUnavailable('no_video', `the scene video ${url} answered ${answer.status}`);
  await writeFile(to, Buffer.from(await answer.arrayBuffer()));
}

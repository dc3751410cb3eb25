import { execFile } from 'node:child_process';
import { rm, writeFile } from 'node:fs/promises';
import { promisify } from 'node:util';
import type { Ffmpeg } from './locate-ffmpeg';
import { mediaSize } from './scene-picture';

/** A simulated scene lasts this long, whatever duration was asked for: short, so it renders in half a second. */
export const sceneSeconds = 3;
export const sceneFps = 24;

/** H.264 that every browser plays, with its index up front so it streams. */
const h264 = ['-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-r', String(sceneFps), '-movflags', '+faststart'];

/**
 * A value inside a filtergraph, escaped for both levels ffmpeg parses it at (the filter's options, then
 * the graph), as its "Notes on filtergraph escaping" describe.
 */
export function filterValue(value: string): string {
  return value.replace(/[\\':]/g, '\\$&').replace(/[\\'[\],;]/g, '\\$&');
}

/** The prompt in lines that fit the picture, at most `maxLines`, the last one cut short with an ellipsis. */
export function wrapText(text: string, width = 42, maxLines = 4): string[] {
  const lines: string[] = [];
  for (const word of text.split(/\s+/).filter(Boolean)) {
    const last = lines.at(-1);
    if (last !== undefined && last.length + 1 + word.length <= width) lines[lines.length - 1] = `${last} ${word}`;
    else lines.push(...(word.match(new RegExp(`.{1,${width}}`, 'g')) ?? []));
  }
  if (lines.length <= maxLines) return lines;
  return [...lines.slice(0, maxLines - 1), `${lines[maxLines - 1].slice(0, width - 1)}…`];
}

/** At most `size` ffmpeg processes at once; the others wait their turn. */
class Slots {
  private readonly waiting: (() => void)[] = [];
  constructor(private free: number) {}

  async run<T>(job: () => Promise<T>): Promise<T> {
    if (this.free > 0) this.free -= 1;
    else await new Promise<void>((resolve) => this.waiting.push(resolve));
    try {
      return await job();
    } finally {
      const next = this.waiting.shift();
      if (next) next();
      else this.free += 1;
    }
  }
}

/** The four things the simulated services make, each one ffmpeg run writing one file. */
export class FfmpegRenderer {
  private readonly slots: Slots;

  constructor(
    private readonly ffmpeg: Ffmpeg,
    /** drawtext's font; no text at all without one. */
    private readonly font: string | undefined,
    maxConcurrentRuns = 2,
  ) {
    this.slots = new Slots(maxConcurrentRuns);
  }

  /** The scene's picture with "Scene <n>" and its prompt written on it. */
  async captionPicture(background: string, title: string, prompt: string, out: string): Promise<void> {
    if (!this.font) {
      await this.run(['-i', background, '-frames:v', '1', out]);
      return;
    }
    // Text files rather than text=: no escaping of what users write, and expansion=none leaves their % alone.
    const [titleFile, promptFile] = [`${out}.title.txt`, `${out}.prompt.txt`];
    await writeFile(titleFile, title);
    await writeFile(promptFile, wrapText(prompt).join('\n'));
    const font = `fontfile=${filterValue(this.font)}:expansion=none:fontcolor=white`;
    const text = [
      `drawtext=${font}:textfile=${filterValue(titleFile)}:fontsize=44:x=(w-tw)/2:y=h*0.28:shadowx=2:shadowy=2`,
      `drawtext=${font}:textfile=${filterValue(promptFile)}:fontsize=22:line_spacing=8:x=(w-tw)/2:y=h*0.46:shadowx=1:shadowy=1`,
    ].join(',');
    try {
      await this.run(['-i', background, '-vf', text, '-frames:v', '1', out]);
    } finally {
      await Promise.all([rm(titleFile, { force: true }), rm(promptFile, { force: true })]);
    }
  }

  /**
   * A scene: a slow zoom into its picture that comes to rest for the last second (so the last frame is
   * the picture, zoomed), opening on `startFrame` held for half a second and crossfading into the scene.
   */
  async sceneVideo(picture: string, startFrame: string | undefined, out: string): Promise<void> {
    const frames = sceneSeconds * sceneFps;
    const { width, height } = mediaSize;
    // Zooming a 4x upscale, so the crop moves by less than a pixel a frame instead of jittering.
    const zoom =
      `scale=${width * 4}:${height * 4},` +
      `zoompan=z='min(zoom+0.002,1.1)':d=${frames}:x='iw/2-(iw/zoom/2)':y='ih/2-(ih/zoom/2)':s=${width}x${height}:fps=${sceneFps}`;
    const graph = startFrame
      ? `[1:v]${zoom},format=yuva420p,fade=t=in:st=0.5:d=0.75:alpha=1[scene];` +
        `[0:v]scale=${width}:${height},setsar=1,format=yuv420p[start];[start][scene]overlay=shortest=1,format=yuv420p[v]`
      : `[0:v]${zoom},format=yuv420p[v]`;
    const inputs = startFrame ? ['-loop', '1', '-framerate', String(sceneFps), '-i', startFrame, '-i', picture] : ['-i', picture];
    await this.run([...inputs, '-filter_complex', graph, '-map', '[v]', '-frames:v', String(frames), ...h264, out]);
  }

  /**
   * The video's last frame, really decoded: every frame of its last half second written over the one
   * before. A `remote` video is read over http(s) alone: neither its URL nor a playlist behind it can
   * make ffmpeg open a local file.
   */
  async lastFrame(video: string, out: string, { remote = false } = {}): Promise<void> {
    const protocols = remote ? ['-protocol_whitelist', 'http,https,tcp,tls'] : [];
    await this.run([...protocols, '-sseof', '-0.5', '-i', video, '-update', '1', out]);
  }

  /** The scenes one after another (all encoded alike by sceneVideo, so the streams are copied as they are). */
  async concat(videos: string[], out: string): Promise<void> {
    const list = `${out}.txt`;
    await writeFile(list, videos.map((v) => `file '${v.replace(/'/g, "'\\''")}'\n`).join(''));
    try {
      await this.run(['-f', 'concat', '-safe', '0', '-i', list, '-c', 'copy', '-movflags', '+faststart', out]);
    } finally {
      await rm(list, { force: true });
    }
  }

  private run(args: string[]): Promise<void> {
    return this.slots.run(async () => {
      try {
        await promisify(execFile)(this.ffmpeg.path, ['-nostdin', '-hide_banner', '-loglevel', 'error', '-y', ...args], {
          timeout: 120_000,
          maxBuffer: 4 * 1024 * 1024,
        });
      } catch (err) {
        const stderr = (err as { stderr?: string }).stderr?.trim();
        throw new Error(`ffmpeg failed: ${stderr ? stderr.split('\n').slice(-3).join(' | ') : (err as Error).message}`);
      }
    });
  }
}

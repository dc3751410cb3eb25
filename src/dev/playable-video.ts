import { execFile } from 'node:child_process';
import { lookup } from 'node:dns/promises';
import { promisify } from 'node:util';
import { locateFfmpeg } from './simulator/media/locate-ffmpeg';

export interface PlayableVideo {
  contentType: string;
  bytes: number;
  /** As ffmpeg reads it from the file's header; undefined when there is no ffmpeg here. */
  seconds?: number;
}

/** Below this, an "MP4" cannot hold a second of picture. */
const minimumBytes = 4_096;

/**
 * Checks that `url` answers as a video a browser plays (200, video/*, a sane size) and reads its
 * duration with ffmpeg; throws saying what is wrong, with the server's own reason when it gives one.
 */
export async function checkPlayableVideo(url: string): Promise<PlayableVideo> {
  const response = await fetch(url, { signal: AbortSignal.timeout(120_000) });
  const contentType = response.headers.get('content-type') ?? '';
  const bytes = Number(response.headers.get('content-length') ?? NaN);
  if (response.status !== 200 || !contentType.startsWith('video/')) {
    const reason = serverReason(await response.text().catch(() => ''));
    throw new Error(`${url} answers ${response.status} ${contentType || '(no type)'}${reason ? `: ${reason}` : ''}`);
  }
  // The headers are what this is about; the body is the browser's business.
  await response.body?.cancel();
  if (!(bytes >= minimumBytes)) throw new Error(`${url} is a video of ${Number.isNaN(bytes) ? 'unknown size' : `${bytes} bytes`}`);
  return { contentType, bytes, seconds: await durationOf(url) };
}

/** The `message` of a JSON error body, or the start of any other. */
function serverReason(text: string): string {
  try {
    return (JSON.parse(text) as { message?: string }).message ?? text;
  } catch {
    return text.slice(0, 200);
  }
}

/** ffmpeg prints "Duration: 00:00:15.00" on reading the header, then stops for want of an output. */
async function durationOf(url: string): Promise<number | undefined> {
  const ffmpeg = await locateFfmpeg();
  if ('missing' in ffmpeg) return undefined;
  // The static ffmpeg build crashes resolving a host name (a static glibc cannot load its resolver): give it the address.
  const target = new URL(url);
  if (!/^[\d.]+$|^\[/.test(target.hostname)) target.hostname = (await lookup(target.hostname, { family: 4 })).address;
  const stderr = await promisify(execFile)(ffmpeg.path, ['-hide_banner', '-nostdin', '-i', target.href], { timeout: 60_000 }).then(
    ({ stderr: text }) => text,
    (err: { stderr?: string }) => err.stderr ?? '',
  );
  const match = /Duration: (\d+):(\d+):(\d+(?:\.\d+)?)/.exec(stderr);
  return match ? Number(match[1]) * 3600 + Number(match[2]) * 60 + Number(match[3]) : undefined;
}

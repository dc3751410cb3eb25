import { execFile, spawn } from 'node:child_process';
import { promisify } from 'node:util';
import { findOnPath } from '../platform/find-on-path';

/** How Reelay found the ffmpeg it runs: an explicit path, the npm package's static build, or PATH. */
export type FfmpegSource = 'FFMPEG_PATH' | '@ffmpeg-installer/linux-x64' | 'PATH';
export interface Ffmpeg {
  path: string;
  version: string;
  source: FfmpegSource;
}

const versions = new Map<string, Promise<string | undefined>>();

/** `ffmpeg -version`'s version word, asked once per binary; undefined when it does not run. */
function versionOf(binary: string): Promise<string | undefined> {
  let answer = versions.get(binary);
  if (!answer) {
    answer = promisify(execFile)(binary, ['-hide_banner', '-version'], { timeout: 10_000 }).then(
      ({ stdout }) => /ffmpeg version (\S+)/.exec(stdout)?.[1] ?? 'unknown',
      () => undefined,
    );
    versions.set(binary, answer);
  }
  return answer;
}

function installerBinary(): string | undefined {
  try {
    return require.resolve('@ffmpeg-installer/linux-x64/ffmpeg');
  } catch {
    return undefined;
  }
}


/**
 * The ffmpeg the built-in media steps run: `explicitPath` (FFMPEG_PATH) when given, and then no other, so
 * a wrong path says so instead of quietly using another binary; else the npm package's static build;
 * else `ffmpeg` on PATH. Each candidate must answer `-version`. The simulator finds its ffmpeg the same way.
 */
export async function locateFfmpeg(explicitPath = process.env.FFMPEG_PATH): Promise<Ffmpeg> {
  if (explicitPath) {
    const version = await versionOf(explicitPath);
    if (!version) throw new Error(`FFMPEG_PATH=${explicitPath} does not run`);
    return { path: explicitPath, version, source: 'FFMPEG_PATH' };
  }
  const candidates: [string | undefined, FfmpegSource][] = [
    [installerBinary(), '@ffmpeg-installer/linux-x64'],
    [findOnPath('ffmpeg'), 'PATH'],
  ];
  for (const [binary, source] of candidates) {
    const version = binary && (await versionOf(binary));
    if (binary && version) return { path: binary, version, source };
  }
  throw new Error('ffmpeg not found: set FFMPEG_PATH, or install @ffmpeg-installer/linux-x64, or put ffmpeg on PATH');
}

export interface FfmpegRun {
  /** ffmpeg's stderr, its last 8 KB (what it says about its inputs, and why it failed). */
  log: string;
  /** CPU seconds the ffmpeg process used (user + system), for the bench. */
  cpuSeconds: number;
}

/**
 * Runs ffmpeg to completion. `onProgress` is called with each `-progress` report (about twice a second),
 * which is where a long stitch heartbeats. An AbortSignal (a cancelled activity) kills it.
 */
export function runFfmpeg(ffmpeg: Ffmpeg, args: string[], options: { onProgress?: (outTimeSeconds: number) => void; signal?: AbortSignal } = {}): Promise<FfmpegRun> {
  return new Promise((resolve, reject) => {
    const child = spawn(ffmpeg.path, ['-hide_banner', '-nostdin', '-y', '-progress', 'pipe:1', '-nostats', '-benchmark', ...args], {
      stdio: ['ignore', 'pipe', 'pipe'],
      signal: options.signal,
    });
    let log = '';
    child.stderr.setEncoding('utf8').on('data', (chunk: string) => (log = (log + chunk).slice(-8192)));
    child.stdout.setEncoding('utf8').on('data', (chunk: string) => {
      const outTime = /out_time_us=(\d+)/.exec(chunk);
      if (outTime && options.onProgress) options.onProgress(Number(outTime[1]) / 1e6);
    });
    child.once('error', reject);
    child.once('exit', (code, signal) => {
      // -benchmark ends the log with `bench: utime=…s stime=…s rtime=…s`: ffmpeg's own CPU time.
      const bench = /bench: utime=([\d.]+)s stime=([\d.]+)s/.exec(log);
      if (code === 0) resolve({ log, cpuSeconds: bench ? Number(bench[1]) + Number(bench[2]) : NaN });
      else reject(new Error(`ffmpeg ${signal ? `was killed (${signal})` : `exited with ${code}`}: ${log.trim().split('\n').slice(-3).join(' | ')}`));
    });
  });
}

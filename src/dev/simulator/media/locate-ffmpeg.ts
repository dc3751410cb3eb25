import { execFile } from 'node:child_process';
import { promisify } from 'node:util';
import { findOnPath } from '../../local-tools';

export type FfmpegSource = 'FFMPEG_PATH' | '@ffmpeg-installer/linux-x64' | 'PATH';
export type Ffmpeg = { path: string; version: string; source: FfmpegSource };
/** Either an ffmpeg that runs, or why there is none. */
export type FfmpegAnswer = Ffmpeg | { missing: string };

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

/** The binary the optional npm package ships (linux-x64 only), when it is installed. */
function installerBinary(): string | undefined {
  try {
    return require.resolve('@ffmpeg-installer/linux-x64/ffmpeg');
  } catch {
    return undefined;
  }
}

/**
 * The ffmpeg the simulator renders with: `explicitPath` (FFMPEG_PATH) when given, and then no other, so
 * a wrong path says so instead of quietly using another binary; else the npm package's static build;
 * else `ffmpeg` on PATH. Each candidate must answer `-version`.
 */
export async function locateFfmpeg(explicitPath = process.env.FFMPEG_PATH): Promise<FfmpegAnswer> {
  if (explicitPath) {
    const version = await versionOf(explicitPath);
    return version ? { path: explicitPath, version, source: 'FFMPEG_PATH' } : { missing: `FFMPEG_PATH=${explicitPath} does not run` };
  }
  const candidates: [string | undefined, FfmpegSource][] = [
    [installerBinary(), '@ffmpeg-installer/linux-x64'],
    [findOnPath('ffmpeg'), 'PATH'],
  ];
  for (const [binary, source] of candidates) {
    const version = binary && (await versionOf(binary));
    if (binary && version) return { path: binary, version, source };
  }
  return { missing: 'ffmpeg not found (FFMPEG_PATH, @ffmpeg-installer/linux-x64, PATH)' };
}

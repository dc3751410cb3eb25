import { locateFfmpeg as locateMediaFfmpeg, type Ffmpeg } from '../../../media/ffmpeg';

export type { Ffmpeg, FfmpegSource } from '../../../media/ffmpeg';
/** Either an ffmpeg that runs, or why there is none. */
export type FfmpegAnswer = Ffmpeg | { missing: string };

/**
 * The ffmpeg the simulator renders with: the one the built-in media steps would run. Without one the
 * simulator still answers (with still images), so here a missing ffmpeg is an answer, not an error.
 */
export async function locateFfmpeg(explicitPath = process.env.FFMPEG_PATH): Promise<FfmpegAnswer> {
  try {
    return await locateMediaFfmpeg(explicitPath);
  } catch (err) {
    return { missing: (err as Error).message };
  }
}

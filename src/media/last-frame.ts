import { stat } from 'node:fs/promises';
import { runFfmpeg, type Ffmpeg, type FfmpegRun } from './ffmpeg';

/**
 * Writes the video's last decodable frame to `out` (PNG). ffmpeg decodes the tail of the file and keeps
 * overwriting one image (`-update 1`), so what remains is the last frame it could decode, in
 * presentation order: B-frames are reordered by the decoder, and `-vsync passthrough` keeps a
 * variable-frame-rate video's frames as they are (no frame dropped or duplicated to fit a rate). A
 * damaged tail is skipped rather than fatal (`-err_detect ignore_err`). When seeking near the end finds
 * nothing (a video shorter than the window, or an index that lies) the whole file is decoded instead.
 */
export async function extractLastFrame(ffmpeg: Ffmpeg, video: string, out: string, signal?: AbortSignal): Promise<FfmpegRun> {
  const decodeTail = (fromEnd: string[]) =>
    runFfmpeg(ffmpeg, ['-err_detect', 'ignore_err', ...fromEnd, '-i', video, '-map', '0:v:0', '-vsync', 'passthrough', '-update', '1', '-c:v', 'png', '-f', 'image2', out], { signal });
  const produced = async () => (await stat(out).catch(() => undefined))?.size ?? 0;
  const tail = await decodeTail(['-sseof', '-3']).catch((err: Error) => ({ log: err.message, cpuSeconds: 0 }));
  if ((await produced()) > 0) return tail;
  const whole = await decodeTail([]);
  if ((await produced()) === 0) throw new Error(`no decodable frame in the video: ${whole.log.trim().split('\n').slice(-2).join(' | ')}`);
  return { log: whole.log, cpuSeconds: tail.cpuSeconds + whole.cpuSeconds };
}

import { writeFile } from 'node:fs/promises';
import { runFfmpeg, type Ffmpeg } from './ffmpeg';
import { concatCompatible, probeVideo, type VideoFacts } from './probe';

export interface StitchResult {
  /** `copy`: the scenes were joined as they are; `reencode`: they differed, so they were re-encoded to one format. */
  method: 'copy' | 'reencode';
  cpuSeconds: number;
}

export interface StitchOptions {
  /** Called with the seconds of film written so far (for heartbeats). */
  onProgress?: (seconds: number) => void;
  signal?: AbortSignal;
  /** Where the concat list is written (a scratch folder's file). */
  listFile: string;
}

/** H.264 with AAC that every browser plays, index up front so it streams. */
const playable = ['-c:v', 'libx264', '-preset', 'veryfast', '-crf', '20', '-pix_fmt', 'yuv420p', '-movflags', '+faststart'];

/**
 * Joins the scenes, in order, into `out` (MP4). Scenes of one codec, size, pixel format and audio layout
 * are joined without re-encoding (the concat demuxer, `-c copy`: fast and lossless). Anything else would
 * play broken after the first scene, so then every scene is scaled and padded to the first one's size,
 * set to one frame rate, given silence where it has no sound (when any scene has sound), and encoded once.
 */
export async function stitchVideos(ffmpeg: Ffmpeg, scenes: string[], out: string, options: StitchOptions): Promise<StitchResult> {
  if (scenes.length === 0) throw new Error('nothing to stitch: no scenes');
  const facts = await Promise.all(scenes.map((scene) => probeVideo(ffmpeg, scene)));
  if (concatCompatible(facts)) {
    // The concat list's own quoting: a quote inside a path is written '\''.
    await writeFile(options.listFile, scenes.map((s) => `file '${s.replace(/'/g, "'\\''")}'`).join('\n') + '\n');
    const run = await runFfmpeg(ffmpeg, ['-f', 'concat', '-safe', '0', '-i', options.listFile, '-c', 'copy', '-movflags', '+faststart', out], options);
    return { method: 'copy', cpuSeconds: run.cpuSeconds };
  }
  const run = await runFfmpeg(ffmpeg, reencodeArgs(scenes, facts, out), options);
  return { method: 'reencode', cpuSeconds: run.cpuSeconds };
}

function reencodeArgs(scenes: string[], facts: VideoFacts[], out: string): string[] {
  const { width, height } = facts[0];
  // Even sizes: yuv420p needs them.
  const [w, h] = [width + (width % 2), height + (height % 2)];
  const withSound = facts.some((f) => f.audio);
  const inputs = scenes.flatMap((s) => ['-i', s]);
  const silences: string[] = [];
  const graph: string[] = [];
  const joined: string[] = [];
  facts.forEach((f, i) => {
    graph.push(`[${i}:v:0]scale=${w}:${h}:force_original_aspect_ratio=decrease,pad=${w}:${h}:(ow-iw)/2:(oh-ih)/2,setsar=1,fps=30,format=yuv420p[v${i}]`);
    joined.push(`[v${i}]`);
    if (!withSound) return;
    let audio = `${i}:a:0`;
    if (!f.audio) {
      // A silent track as long as the scene, as one more input.
      const index = scenes.length + silences.length / 6;
      silences.push('-f', 'lavfi', '-t', String(f.durationSeconds || 0.001), '-i', 'anullsrc=r=48000:cl=stereo');
      audio = `${index}:a:0`;
    }
    graph.push(`[${audio}]aresample=48000,aformat=sample_fmts=fltp:channel_layouts=stereo[a${i}]`);
    joined.push(`[a${i}]`);
  });
  graph.push(`${joined.join('')}concat=n=${scenes.length}:v=1:a=${withSound ? 1 : 0}${withSound ? '[v][a]' : '[v]'}`);
  const maps = withSound ? ['-map', '[v]', '-map', '[a]', '-c:a', 'aac', '-b:a', '128k'] : ['-map', '[v]'];
  return [...inputs, ...silences, '-filter_complex', graph.join(';'), ...maps, ...playable, out];
}

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import type { Ffmpeg } from '../../src/dev/simulator/media/locate-ffmpeg';

/** Reading videos and pictures back, as a viewer would, to check what a service made. */
export type Rgb = [number, number, number];

/** What ffmpeg itself says of a video: its codec, how many frames it decodes, and the first and last (RGB). */
export async function decodeVideo(ffmpeg: Ffmpeg, video: Buffer) {
  const dir = await mkdtemp(path.join(os.tmpdir(), 'reelay-media-test-'));
  try {
    const file = path.join(dir, 'video.mp4');
    await writeFile(file, video);
    const run = (args: string[]) => promisify(execFile)(ffmpeg.path, ['-hide_banner', '-nostdin', '-i', file, ...args], { encoding: 'buffer', maxBuffer: 64 << 20 });
    const { stderr } = await run(['-f', 'null', '-']);
    const log = stderr.toString();
    const rgbFrame = ['-frames:v', '1', '-f', 'rawvideo', '-pix_fmt', 'rgb24', '-'];
    return {
      codec: /Video: (\w+)/.exec(log)?.[1],
      size: /Video: .*?, (\d+x\d+)/.exec(log)?.[1],
      frames: Number([...log.matchAll(/frame=\s*(\d+)/g)].at(-1)?.[1]),
      first: (await run(rgbFrame)).stdout,
      // Read independently of the simulator's own way (-sseof with -update): every frame, reversed.
      last: (await run(['-vf', 'reverse', ...rgbFrame])).stdout,
    };
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
}

/** A PNG's pixels as RGB, the way decodeVideo gives frames. */
export function pngPixels(png: Buffer): { width: number; height: number; rgb: Buffer } {
  const image = PNG.sync.read(png);
  const rgb = Buffer.alloc(image.width * image.height * 3);
  for (let i = 0, o = 0; i < image.data.length; i += 4, o += 3) image.data.copy(rgb, o, i, i + 3);
  return { width: image.width, height: image.height, rgb };
}

export const meanColour = (rgb: Buffer): Rgb => {
  const sums: Rgb = [0, 0, 0];
  for (let i = 0; i < rgb.length; i++) sums[i % 3] += rgb[i];
  return sums.map((s) => s / (rgb.length / 3)) as Rgb;
};
/** The mean of |a - b| over every channel of every pixel: 0 for the same picture. */
export const meanDifference = (a: Buffer, b: Buffer): number => {
  assert.equal(a.length, b.length);
  let sum = 0;
  for (let i = 0; i < a.length; i++) sum += Math.abs(a[i] - b[i]);
  return sum / a.length;
};
export const closeColours = (a: Rgb, b: Rgb, tolerance: number) => a.every((c, i) => Math.abs(c - b[i]) <= tolerance);

export async function download(url: string, init?: RequestInit) {
  const response = await fetch(url, init);
  return { status: response.status, headers: response.headers, body: Buffer.from(await response.arrayBuffer()) };
}

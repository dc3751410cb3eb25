import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { mkdtemp, readFile, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { promisify } from 'node:util';
import { PNG } from 'pngjs';
import { locateFfmpeg, type Ffmpeg } from '../../src/media/ffmpeg';
import { extractLastFrame } from '../../src/media/last-frame';
import { probeVideo } from '../../src/media/probe';
import { stitchVideos } from '../../src/media/stitch';

const run = promisify(execFile);

/**
 * Test videos whose every frame says which one it is: frame N is a flat grey of brightness 5·N, so the
 * brightness of an extracted frame tells which frame it was.
 */
const numberedFrames = (frames: number, size = '64x64') => [
  '-f', 'lavfi', '-i', `color=c=black:s=${size}:r=24,format=yuv420p,geq=lum='min(250,N*5)':cb=128:cr=128`,
  '-frames:v', String(frames),
];

async function brightness(png: string): Promise<number> {
  const image = PNG.sync.read(await readFile(png));
  let sum = 0;
  for (let i = 0; i < image.data.length; i += 4) sum += image.data[i];
  return sum / (image.data.length / 4);
}

/** The frame number a numbered frame's brightness says: its luma (limited range, 16-235) back from RGB, over 5. */
const frameNumber = async (png: string) => Math.round(((await brightness(png)) * (219 / 255) + 16) / 5);

describe('built-in media steps (ffmpeg)', function () {
  this.timeout(120_000);
  let ffmpeg: Ffmpeg;
  let dir: string;
  const make = async (name: string, args: string[]) => {
    const file = path.join(dir, name);
    await run(ffmpeg.path, ['-hide_banner', '-y', ...args, file]);
    return file;
  };
  const frameTypes = async (file: string) => {
    const { stderr } = await run(ffmpeg.path, ['-hide_banner', '-i', file, '-vf', 'showinfo', '-f', 'null', '-']);
    return [...stderr.matchAll(/ type:([IPB]) /g)].map((m) => m[1]);
  };

  before(async () => {
    ffmpeg = await locateFfmpeg();
    dir = await mkdtemp(path.join(os.tmpdir(), 'reelay-media-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  describe('last frame', () => {
    it('is the last frame shown of a video with B-frames (decode order is not display order)', async () => {
      const video = await make('bframes.mp4', [...numberedFrames(48), '-c:v', 'libx264', '-qp', '2', '-g', '12', '-x264-params', 'b-adapt=0:bframes=3', '-pix_fmt', 'yuv420p']);
      assert.ok((await frameTypes(video)).includes('B'), 'the test video really has B-frames');
      const out = path.join(dir, 'bframes.png');
      await extractLastFrame(ffmpeg, video, out);
      assert.equal(await frameNumber(out), 47);
    });

    it('is the last frame of a variable-frame-rate video, whose frames come at uneven intervals', async () => {
      // 40 frames whose gaps grow (1/24 s, then longer): no constant rate describes them.
      const video = await make('vfr.mp4', [
        ...numberedFrames(40), '-vf', "setpts='(N+floor(N*N/20))/(24*TB)'", '-vsync', 'passthrough', '-c:v', 'libx264', '-qp', '2', '-pix_fmt', 'yuv420p',
        // ffmpeg 4.1's MP4 edit list would hide the last two frames of this file from every reader.
        '-use_editlist', '0',
      ]);
      const { stderr } = await run(ffmpeg.path, ['-hide_banner', '-i', video, '-vf', 'showinfo', '-f', 'null', '-']);
      const times = [...stderr.matchAll(/pts_time:([\d.]+)/g)].map((m) => Number(m[1]));
      const gaps = new Set(times.slice(1).map((t, i) => (t - times[i]).toFixed(3)));
      assert.ok(gaps.size > 3, `the test video's frames really come at uneven intervals: ${[...gaps].join(', ')}`);
      const out = path.join(dir, 'vfr.png');
      await extractLastFrame(ffmpeg, video, out);
      assert.equal(await frameNumber(out), 39);
    });

    it('is the last frame of a video shorter than the tail it decodes', async () => {
      const video = await make('short.mp4', [...numberedFrames(5), '-c:v', 'libx264', '-qp', '2', '-pix_fmt', 'yuv420p']);
      const out = path.join(dir, 'short.png');
      await extractLastFrame(ffmpeg, video, out);
      assert.equal(await frameNumber(out), 4);
    });

    it('fails clearly on a file that is no video', async () => {
      const out = path.join(dir, 'none.png');
      await assert.rejects(extractLastFrame(ffmpeg, path.join(dir, 'missing.mp4'), out), /no decodable frame|No such file/);
    });
  });

  describe('stitch', () => {
    it('joins scenes of one format without re-encoding them, in order', async () => {
      const a = await make('a.mp4', [...numberedFrames(24), '-c:v', 'libx264', '-qp', '2', '-pix_fmt', 'yuv420p']);
      const b = await make('b.mp4', [...numberedFrames(36), '-c:v', 'libx264', '-qp', '2', '-pix_fmt', 'yuv420p']);
      const film = path.join(dir, 'same.mp4');
      const result = await stitchVideos(ffmpeg, [a, b], film, { listFile: path.join(dir, 'same.txt') });
      assert.equal(result.method, 'copy');
      assert.ok(Math.abs((await probeVideo(ffmpeg, film)).durationSeconds - 2.5) < 0.1);
      const last = path.join(dir, 'same-last.png');
      await extractLastFrame(ffmpeg, film, last);
      assert.equal(await frameNumber(last), 35, 'the film ends on the last scene');
    });

    it('re-encodes scenes of different codecs, sizes and sound into one playable film', async () => {
      const h264 = await make('h264.mp4', [...numberedFrames(24, '320x240'), '-c:v', 'libx264', '-pix_fmt', 'yuv420p']);
      const mpeg4WithSound = await make('mpeg4.mp4', [
        '-f', 'lavfi', '-i', 'sine=frequency=440:duration=2', ...numberedFrames(48, '160x90'), '-map', '1:v', '-map', '0:a', '-c:v', 'mpeg4', '-q:v', '2', '-c:a', 'aac',
      ]);
      const progress: number[] = [];
      const film = path.join(dir, 'mixed.mp4');
      const result = await stitchVideos(ffmpeg, [h264, mpeg4WithSound], film, { listFile: path.join(dir, 'mixed.txt'), onProgress: (s) => progress.push(s) });
      assert.equal(result.method, 'reencode');
      const facts = await probeVideo(ffmpeg, film);
      assert.deepEqual([facts.videoCodec, facts.width, facts.height, facts.pixelFormat], ['h264', 320, 240, 'yuv420p']);
      assert.equal(facts.audio?.codec, 'aac', 'the scene with sound keeps it, the silent one gets silence');
      assert.ok(Math.abs(facts.durationSeconds - 3) < 0.15, `film lasts both scenes: ${facts.durationSeconds}s`);
      assert.ok(progress.length > 0, 'progress was reported (heartbeats)');
      assert.ok(result.cpuSeconds > 0, 'ffmpeg reported its CPU time');
      // Decodes from start to end without an error.
      const { stderr } = await run(ffmpeg.path, ['-hide_banner', '-v', 'error', '-i', film, '-f', 'null', '-']);
      assert.equal(stderr.trim(), '');
    });
  });
});

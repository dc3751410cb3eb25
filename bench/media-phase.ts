import { execFile } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { createReadStream, createWriteStream } from 'node:fs';
import { mkdir } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { promisify } from 'node:util';
import { PutObjectCommand } from '@aws-sdk/client-s3';
import { resolveWeed, startSeaweedS3 } from '../src/dev/seaweedfs';
import { fileDigests } from '../src/media/asset-store';
import { copyUrlToStore } from '../src/media/copy-asset';
import { locateFfmpeg, type Ffmpeg } from '../src/media/ffmpeg';
import { extractLastFrame } from '../src/media/last-frame';
import { S3AssetStore } from '../src/media/s3-store';
import { stitchVideos } from '../src/media/stitch';
import { quantile } from './support';

const run = promisify(execFile);

export interface MediaBench {
  scene: string;
  lastFrame: { runs: number; cpuSecondsMedian: number; wallSecondsMedian: number };
  stitch: { scenes: number; copy: { cpuSeconds: number; wallSeconds: number }; reencode: { cpuSeconds: number; wallSeconds: number } };
  copy: { mebibytes: number; runs: number; copyMiBps: number; barePutMiBps: number; ratio: number };
}

const median = (values: number[]) => quantile([...values].sort((a, b) => a - b), 0.5);
const seconds = async <T>(work: () => Promise<T>): Promise<[T, number]> => {
  const started = process.hrtime.bigint();
  const result = await work();
  return [result, Number(process.hrtime.bigint() - started) / 1e9];
};

/** A scene as a provider hands it out: 5 s of 1280×720 H.264 at 30 fps with AAC sound. */
async function sceneVideo(ffmpeg: Ffmpeg, file: string, size = '1280x720'): Promise<string> {
  await run(ffmpeg.path, [
    '-hide_banner', '-y', '-f', 'lavfi', '-i', `testsrc2=s=${size}:r=30:d=5`, '-f', 'lavfi', '-i', 'sine=frequency=440:duration=5',
    '-c:v', 'libx264', '-preset', 'veryfast', '-pix_fmt', 'yuv420p', '-c:a', 'aac', '-shortest', file,
  ]);
  return file;
}

/**
 * The media steps' cost and the store's copy throughput, in the same run: ffmpeg's CPU seconds for a
 * scene's last frame (median of `runs`) and for a 3-scene film's stitch, both the plain join and the
 * re-encode; then a provider's file copied into SeaweedFS through the asset store (download to scratch,
 * hash, PutObject with Content-MD5, check) against one bare PutObject of the same bytes to the same
 * server, the ceiling. Runs in this process, as a media worker would run the activities.
 */
export async function mediaPhase(dataDir: string, { runs = 5, mebibytes = 64 } = {}): Promise<MediaBench> {
  const dir = path.join(dataDir, 'media-bench');
  await mkdir(dir, { recursive: true });
  const ffmpeg = await locateFfmpeg();
  const scenes = await Promise.all([1, 2, 3].map((n) => sceneVideo(ffmpeg, path.join(dir, `scene-${n}.mp4`))));
  const odd = await sceneVideo(ffmpeg, path.join(dir, 'scene-odd.mp4'), '960x540');

  const frames: { cpu: number; wall: number }[] = [];
  for (let i = 0; i < runs; i++) {
    const [frame, wall] = await seconds(() => extractLastFrame(ffmpeg, scenes[i % scenes.length], path.join(dir, `frame-${i}.png`)));
    frames.push({ cpu: frame.cpuSeconds, wall });
  }
  const stitch = async (name: string, parts: string[]) => {
    const [result, wall] = await seconds(() => stitchVideos(ffmpeg, parts, path.join(dir, `${name}.mp4`), { listFile: path.join(dir, `${name}.txt`) }));
    return { method: result.method, cpuSeconds: result.cpuSeconds, wallSeconds: wall };
  };
  const copyStitch = await stitch('film-copy', scenes);
  const reencodeStitch = await stitch('film-reencode', [scenes[0], odd, scenes[2]]);
  if (copyStitch.method !== 'copy' || reencodeStitch.method !== 'reencode') throw new Error(`unexpected stitch methods: ${copyStitch.method}, ${reencodeStitch.method}`);

  return {
    scene: '5 s, 1280×720, 30 fps, H.264 + AAC',
    lastFrame: { runs, cpuSecondsMedian: median(frames.map((f) => f.cpu)), wallSecondsMedian: median(frames.map((f) => f.wall)) },
    stitch: {
      scenes: scenes.length,
      copy: { cpuSeconds: copyStitch.cpuSeconds, wallSeconds: copyStitch.wallSeconds },
      reencode: { cpuSeconds: reencodeStitch.cpuSeconds, wallSeconds: reencodeStitch.wallSeconds },
    },
    copy: await copyThroughput(dir, mebibytes, Math.max(3, Math.ceil(runs / 2))),
  };
}

/** The store's copy against one bare PutObject of the same bytes, to the same SeaweedFS, alternating. */
async function copyThroughput(dir: string, mebibytes: number, runs: number): Promise<MediaBench['copy']> {
  const file = path.join(dir, 'provider-output.bin');
  await new Promise<void>((resolve, reject) => {
    const out = createWriteStream(file);
    for (let i = 0; i < mebibytes; i++) out.write(randomBytes(1 << 20)); // incompressible, as video is
    out.end();
    out.on('finish', resolve).on('error', reject);
  });
  const { size, md5 } = await fileDigests(file);
  // The provider's link: a local file server, so the network is not what is measured.
  const source = http.createServer((_req, res) => {
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': size });
    createReadStream(file).pipe(res);
  });
  await new Promise<void>((r) => source.listen(0, '127.0.0.1', r));
  const url = `http://127.0.0.1:${(source.address() as AddressInfo).port}/output.mp4`;
  const weed = await resolveWeed((message) => console.error(`[seaweedfs] ${message}`));
  const s3 = await startSeaweedS3(weed, path.join(dir, 'seaweedfs'), { accessKeyId: 'reelay-bench', secretAccessKey: randomBytes(24).toString('hex') });
  const store = new S3AssetStore({ ...s3, forcePathStyle: true });
  const barePut = (key: string) =>
    store.client.send(new PutObjectCommand({ Bucket: s3.bucket, Key: key, Body: createReadStream(file), ContentLength: size, ContentMD5: md5, ContentType: 'video/mp4' }));
  try {
    // SeaweedFS grows its first volume on the first large write (seconds): not counted for either side.
    await barePut('bench/warm-up.mp4');
    const copies: number[] = [];
    const bare: number[] = [];
    for (let i = 0; i < runs; i++) {
      // A key of its own each time (the store answers an existing copy of the same source without
      // copying), and the two sides take turns going first.
      const copy = async () => copies.push((await seconds(() => copyUrlToStore(store, url, `bench/copy-${i}.mp4`, path.join(dir, `scratch-${i}`))))[1]);
      const put = async () => bare.push((await seconds(() => barePut(`bench/bare-${i}.mp4`)))[1]);
      for (const side of i % 2 ? [put, copy] : [copy, put]) await side();
    }
    const copyMiBps = mebibytes / median(copies);
    const barePutMiBps = mebibytes / median(bare);
    return { mebibytes, runs, copyMiBps, barePutMiBps, ratio: copyMiBps / barePutMiBps };
  } finally {
    store.client.destroy();
    await s3.stop();
    source.closeAllConnections();
    await new Promise<void>((r) => source.close(() => r()));
  }
}

/** Rows for BENCHMARKS.md's table and the console (measure, throughput, p50 / p99, at, ratio). */
export function mediaRows(m: MediaBench): string[][] {
  const s = (n: number) => `${n.toFixed(2)} s`;
  return [
    [`built-in last frame of a scene (${m.scene})`, `${s(m.lastFrame.cpuSecondsMedian)} CPU`, `${s(m.lastFrame.wallSecondsMedian)} wall`, `median of ${m.lastFrame.runs}`, ''],
    [`built-in stitch of ${m.stitch.scenes} such scenes, joined as they are`, `${s(m.stitch.copy.cpuSeconds)} CPU`, `${s(m.stitch.copy.wallSeconds)} wall`, 'concat, -c copy', ''],
    [`built-in stitch of ${m.stitch.scenes} scenes of two sizes, re-encoded`, `${s(m.stitch.reencode.cpuSeconds)} CPU`, `${s(m.stitch.reencode.wallSeconds)} wall`, 'libx264 veryfast', ''],
    [
      `asset copy of ${m.copy.mebibytes} MiB into SeaweedFS (download, hash, checked PutObject)`,
      `${m.copy.copyMiBps.toFixed(0)} MiB/s`,
      `bare PutObject ${m.copy.barePutMiBps.toFixed(0)} MiB/s`,
      `median of ${m.copy.runs}`,
      `${m.copy.ratio.toFixed(2)} of bare PutObject`,
    ],
  ];
}

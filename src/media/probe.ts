import { execFile } from 'node:child_process';
import type { Ffmpeg } from './ffmpeg';

/** What a stitch needs to know about one video to tell whether a plain concat would play. */
export interface VideoFacts {
  videoCodec: string;
  width: number;
  height: number;
  pixelFormat: string;
  /** Absent when the file has no audio stream. */
  audio?: { codec: string; sampleRate: number; channels: string };
  durationSeconds: number;
}

/**
 * Reads a video's streams from what `ffmpeg -i` prints (the static build ships no ffprobe). Throws when
 * the file has no video stream at all, which no later step could use.
 */
export function probeVideo(ffmpeg: Ffmpeg, file: string): Promise<VideoFacts> {
  return new Promise((resolve, reject) => {
    // Without an output ffmpeg exits 1 after describing its input: that description is the answer.
    execFile(ffmpeg.path, ['-hide_banner', '-i', file], { timeout: 30_000 }, (_err, _stdout, stderr) => {
      const video = /Stream #\d+:\d+[^:]*: Video: (\w+)[^,]*, (\w+)(?:\([^)]*\))?, (\d+)x(\d+)/.exec(stderr);
      if (!video) return reject(new Error(`no video stream in ${file}: ${stderr.trim().split('\n').slice(-2).join(' | ')}`));
      const audio = /Stream #\d+:\d+[^:]*: Audio: (\w+)[^,]*, (\d+) Hz, ([^,]+)/.exec(stderr);
      const duration = /Duration: (\d+):(\d+):([\d.]+)/.exec(stderr);
      resolve({
        videoCodec: video[1],
        pixelFormat: video[2],
        width: Number(video[3]),
        height: Number(video[4]),
        ...(audio ? { audio: { codec: audio[1], sampleRate: Number(audio[2]), channels: audio[3].trim() } } : {}),
        durationSeconds: duration ? Number(duration[1]) * 3600 + Number(duration[2]) * 60 + Number(duration[3]) : 0,
      });
    });
  });
}

/** Whether the concat demuxer can join these without re-encoding: one codec, size, pixel format and audio layout. */
export function concatCompatible(videos: VideoFacts[]): boolean {
  const signature = (v: VideoFacts) =>
    JSON.stringify([v.videoCodec, v.width, v.height, v.pixelFormat, v.audio ? [v.audio.codec, v.audio.sampleRate, v.audio.channels] : null]);
  return videos.every((v) => signature(v) === signature(videos[0]));
}

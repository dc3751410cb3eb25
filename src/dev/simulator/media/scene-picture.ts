import { createHash } from 'node:crypto';
import { PNG } from 'pngjs';

/** Every simulated picture and video has this size. */
export const mediaSize = { width: 640, height: 360 } as const;

type Rgb = [number, number, number];

/**
 * A scene's own picture, without text: a diagonal gradient between two colours taken from a hash of the
 * prompt, a disc whose place follows the scene number, and one dot per scene number along the bottom.
 * The same prompt and number always give the same picture; neighbouring scenes never look alike.
 * It is the background ffmpeg writes the text on, and the whole picture when there is no ffmpeg.
 */
export function drawScenePicture(prompt: string, sceneNumber: number): Buffer {
  const { width, height } = mediaSize;
  const hash = createHash('sha256').update(prompt).digest();
  // Mid-dark colours, so white text stays readable on any of them.
  const colour = (at: number): Rgb => [40 + (hash[at] % 140), 40 + (hash[at + 1] % 140), 40 + (hash[at + 2] % 140)];
  const [from, to] = [colour(0), colour(3)];
  const disc: Rgb = [255 - from[0], 255 - from[1], 255 - from[2]];
  const white: Rgb = [240, 240, 240];
  const discX = width * (0.12 + 0.76 * ((sceneNumber * 0.37) % 1));
  const discY = height * (sceneNumber % 2 ? 0.16 : 0.8);
  const discRadius = 30;
  const dots = Math.min(sceneNumber, 24);
  const dotsFrom = width / 2 - ((dots - 1) * 16) / 2;

  const png = new PNG({ width, height });
  for (let y = 0; y < height; y++) {
    for (let x = 0; x < width; x++) {
      const i = (y * width + x) * 4;
      const dot = Math.round((x - dotsFrom) / 16);
      if ((x - discX) ** 2 + (y - discY) ** 2 <= discRadius ** 2) png.data.set(disc, i);
      else if (dot >= 0 && dot < dots && (x - dotsFrom - dot * 16) ** 2 + (y - (height - 34)) ** 2 <= 25) png.data.set(white, i);
      else {
        const along = (x / width + y / height) / 2;
        for (let c = 0; c < 3; c++) png.data[i + c] = Math.round(from[c] + (to[c] - from[c]) * along);
      }
      png.data[i + 3] = 255;
    }
  }
  return PNG.sync.write(png);
}

import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { mkdtemp, readFile, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { findFont } from '../../src/dev/simulator/media/find-font';
import { FfmpegRenderer } from '../../src/dev/simulator/media/ffmpeg-render';
import { locateFfmpeg, type Ffmpeg } from '../../src/dev/simulator/media/locate-ffmpeg';
import { drawScenePicture } from '../../src/dev/simulator/media/scene-picture';
import { ServiceSimulator } from '../../src/dev/simulator/simulator';
import type { Stack } from '../../src/dev/start-stack';
import { createLogger } from '../../src/platform/logger';
import { getJson, postJson, uniqueId } from '../support/http';
import { asOperator } from '../support/clients';
import { testSecrets, testStack } from '../support/test-stack';
import { closeColours, decodeVideo, download, meanColour, meanDifference, pngPixels } from '../support/video-frames';

const [width, height] = [640, 360];

describe("the simulator's media", function () {
  this.timeout(120_000);
  let ffmpeg: Ffmpeg;

  before(async () => {
    const found = await locateFfmpeg();
    assert.ok(!('missing' in found), 'these tests render with ffmpeg (the @ffmpeg-installer package is installed with npm)');
    ffmpeg = found;
  });

  describe('a 2-scene film on the test stack', () => {
    let stack: Stack;
    let project: any;
    let film: Buffer;

    before(async () => {
      stack = await testStack();
      const projectId = uniqueId('media');
      const prompts = ['A lighthouse keeper lights the lamp as a storm rolls in', 'The beam sweeps across the waves and finds a boat'];
      const created = await postJson(`${stack.gatewayUrl}/api/v1/projects`, { project_id: projectId, scenes: prompts.map((prompt) => ({ prompt })) }, asOperator);
      assert.equal(created.status, 201, JSON.stringify(created.body));
      await stack.client.workflow.getHandle(`project-${projectId}`).result();
      project = (await getJson(`${stack.gatewayUrl}/api/v1/projects/${projectId}`, asOperator)).body;
      assert.equal(project.status, 'completed');

      // Nothing is made until asked: the first requests, all at once, make the whole chain (scene 2
      // needs scene 1's last frame, which needs scene 1's video) and share each rendering.
      const [first, second] = await Promise.all([download(project.final_video_url), download(project.final_video_url), download(project.scenes[1].video_url)]);
      assert.equal(first.status, 200, first.body.toString());
      assert.deepEqual(first.body, second.body);
      film = first.body;
    });

    it("names media under the simulator's URL: MP4 videos, PNG thumbnails and frames", () => {
      for (const scene of project.scenes) {
        assert.ok(scene.video_url.startsWith(`${stack.simulator!.url}/media/videos/`));
        assert.match(scene.thumbnail_url, /\/media\/thumbnails\/vid_\w+\.png$/);
        assert.match(scene.last_frame_url, /\/media\/frames\/frm_\w+\.png$/);
      }
      assert.match(project.final_video_url, /\/media\/films\/stc_\w+\.mp4$/);
      assert.match(project.thumbnail_url, /\/media\/thumbnails\/stc_\w+\.png$/);
    });

    it('serves each scene as a 3-second 640x360 H.264 MP4 that ffmpeg decodes', async () => {
      const video = await download(project.scenes[0].video_url);
      assert.equal(video.status, 200);
      assert.equal(video.headers.get('content-type'), 'video/mp4');
      assert.equal(Number(video.headers.get('content-length')), video.body.length);
      assert.equal(video.headers.get('accept-ranges'), 'bytes');
      assert.match(video.headers.get('cache-control')!, /max-age=\d+/);
      const decoded = await decodeVideo(ffmpeg, video.body);
      assert.equal(decoded.codec, 'h264');
      assert.equal(decoded.size, `${width}x${height}`);
      assert.equal(decoded.frames, 72, '3 s at 24 fps');
    });

    it("serves each scene's picture as a 640x360 PNG, different for each scene", async () => {
      const [one, two] = await Promise.all(project.scenes.map((s: any) => download(s.thumbnail_url)));
      assert.equal(one.headers.get('content-type'), 'image/png');
      const [a, b] = [pngPixels(one.body), pngPixels(two.body)];
      assert.deepEqual([a.width, a.height], [width, height]);
      assert.ok(meanDifference(a.rgb, b.rgb) > 10);
      const filmCard = pngPixels((await download(project.thumbnail_url)).body);
      assert.deepEqual([filmCard.width, filmCard.height], [width, height]);
    });

    it("extracts the last frame from the scene's video, and the next scene opens on it", async () => {
      const [video1, video2, frame1] = await Promise.all([
        download(project.scenes[0].video_url),
        download(project.scenes[1].video_url),
        download(project.scenes[0].last_frame_url),
      ]);
      const frame = pngPixels(frame1.body);
      assert.deepEqual([frame.width, frame.height], [width, height]);
      const [scene1, scene2] = [await decodeVideo(ffmpeg, video1.body), await decodeVideo(ffmpeg, video2.body)];

      assert.ok(meanDifference(frame.rgb, scene1.last) < 1, 'the last frame is the video’s last frame');
      assert.ok(meanDifference(frame.rgb, scene1.first) > 3, 'which is not its first: the scene moves');
      assert.ok(closeColours(meanColour(scene2.first), meanColour(frame.rgb), 3), 'scene 2 opens on scene 1’s last frame');
      assert.ok(meanDifference(scene2.last, frame.rgb) > 10, 'and ends on its own picture');
    });

    it('stitches the scenes into one film as long as both', async () => {
      const decoded = await decodeVideo(ffmpeg, film);
      assert.equal(decoded.codec, 'h264');
      assert.equal(decoded.frames, 2 * 72);
      const scene2 = await decodeVideo(ffmpeg, (await download(project.scenes[1].video_url)).body);
      assert.ok(meanDifference(decoded.last, scene2.last) < 2, 'the film ends as scene 2 does');
    });

    it('answers byte ranges with 206, past the end with 416, and HEAD with the headers alone', async () => {
      const url = project.final_video_url;
      const size = film.length;
      const part = await download(url, { headers: { range: 'bytes=100-199' } });
      assert.equal(part.status, 206);
      assert.equal(part.headers.get('content-range'), `bytes 100-199/${size}`);
      assert.equal(part.headers.get('content-length'), '100');
      assert.equal(part.headers.get('content-type'), 'video/mp4');
      assert.deepEqual(part.body, film.subarray(100, 200));

      const tail = await download(url, { headers: { range: 'bytes=-16' } });
      assert.equal(tail.status, 206);
      assert.deepEqual(tail.body, film.subarray(size - 16));

      const beyond = await download(url, { headers: { range: `bytes=${size}-` } });
      assert.equal(beyond.status, 416);
      assert.equal(beyond.headers.get('content-range'), `bytes */${size}`);

      const head = await download(url, { method: 'HEAD' });
      assert.equal(head.status, 200);
      assert.equal(head.headers.get('content-length'), String(size));
      assert.equal(head.headers.get('content-type'), 'video/mp4');
      assert.equal(head.body.length, 0);
    });

    it('answers 404 with a JSON reason for unknown tasks and for media a task does not have', async () => {
      const base = `${stack.simulator!.url}/media`;
      const videoId = /(vid_\w+)\.mp4$/.exec(project.scenes[0].video_url)![1];
      for (const url of [`${base}/videos/vid_0000000000000000.mp4`, `${base}/films/${videoId}.mp4`, `${base}/videos/${videoId}.png`, `${base}/other/${videoId}.mp4`]) {
        const response = await getJson<{ error: string }>(url);
        assert.equal(response.status, 404, url);
        assert.equal(response.body.error, 'not_found');
      }
    });
  });

  describe('rendering', () => {
    /** The scene picture captioned by a renderer with `font`, in a folder whose path needs escaping in a filtergraph. */
    async function captioned(font: string | undefined) {
      const dir = await mkdtemp(path.join(os.tmpdir(), "reelay media: it's [odd], ok;"));
      try {
        const background = path.join(dir, 'background.png');
        await writeFile(background, drawScenePicture('a prompt', 1));
        const out = path.join(dir, 'picture.png');
        await new FfmpegRenderer(ffmpeg, font).captionPicture(background, 'Scene 1', "100% rain: it's 'odd'", out);
        return { plain: pngPixels(await readFile(background)), captioned: pngPixels(await readFile(out)) };
      } finally {
        await rm(dir, { recursive: true, force: true });
      }
    }

    it('writes the text from files whose path needs escaping in a filtergraph', async () => {
      const font = await findFont();
      assert.ok(font, "no font on this machine, and the text needs one: fontconfig's choice, or DejaVu, Liberation or Noto (e.g. apt-get install fonts-dejavu-core)");
      const pictures = await captioned(font);
      assert.ok(meanDifference(pictures.plain.rgb, pictures.captioned.rgb) > 0.5, 'text was written');
    });

    it('without a font, serves the picture as drawn, without text', async () => {
      const pictures = await captioned(undefined);
      assert.equal(meanDifference(pictures.plain.rgb, pictures.captioned.rgb), 0);
    });
  });

  describe('without ffmpeg (FFMPEG_PATH pointing nowhere)', () => {
    let simulator: ServiceSimulator;
    let receiver: Server;
    let webhookUrl: string;

    before(async () => {
      receiver = createServer((req, res) => req.resume().on('end', () => res.end('{}')));
      await new Promise<void>((resolve) => receiver.listen(0, '127.0.0.1', resolve));
      webhookUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hooks`;
      simulator = new ServiceSimulator({ secrets: testSecrets, delayMs: 0, logger: createLogger({ level: 'silent' }), ffmpegPath: '/nonexistent/ffmpeg' });
      await simulator.start();
    });

    after(async () => {
      await simulator.stop();
      await new Promise((resolve) => receiver.close(resolve));
    });

    /** Asks the simulator for a task as Reelay does, and waits for its callback. */
    async function completedTask(service: string, body: Record<string, unknown>): Promise<any> {
      const asked = await postJson<{ task_id: string }>(`${simulator.url}${service}`, { project_id: 'p', webhook_url: webhookUrl, ...body }, { 'idempotency-key': uniqueId('key') });
      assert.equal(asked.status, 202, JSON.stringify(asked.body));
      while (!simulator.webhooks.some((w) => w.taskId === asked.body.task_id && w.acknowledged)) await new Promise((r) => setTimeout(r, 10));
      return asked.body.task_id;
    }

    it('says so, serves the pictures drawn without text, and answers videos and films with a 404 saying why', async () => {
      assert.equal(await simulator.media.describe(), 'simulator media: FFMPEG_PATH=/nonexistent/ffmpeg does not run, still images only');
      const media = `${simulator.url}/media`;
      const video = await completedTask('/api/tasks', { scene_id: 's1', scene_index: 0, prompt: 'a harbour at dawn', start_frame_url: null });
      const frame = await completedTask('/api/extract', { scene_id: 's1', video_url: `${media}/videos/${video}.mp4` });
      const stitch = await completedTask('/api/stitch', { scenes: [{ scene_id: 's1', video_url: `${media}/videos/${video}.mp4` }] });

      const thumbnail = await download(`${media}/thumbnails/${video}.png`);
      assert.equal(thumbnail.status, 200);
      assert.equal(thumbnail.headers.get('content-type'), 'image/png');
      assert.deepEqual(thumbnail.body, drawScenePicture('a harbour at dawn', 1));
      assert.deepEqual((await download(`${media}/frames/${frame}.png`)).body, thumbnail.body, "the scene's picture stands for its last frame");
      const card = pngPixels((await download(`${media}/thumbnails/${stitch}.png`)).body);
      assert.deepEqual([card.width, card.height], [width, height]);

      for (const url of [`${media}/videos/${video}.mp4`, `${media}/films/${stitch}.mp4`]) {
        const response = await getJson<{ error: string; message: string }>(url);
        assert.equal(response.status, 404);
        assert.equal(response.body.error, 'no_video');
        assert.match(response.body.message, /FFMPEG_PATH=\/nonexistent\/ffmpeg does not run, still images only/);
      }
    });
  });
});

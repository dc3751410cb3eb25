import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { RouterMiddleware } from '@koa/router';
import type { Logger } from '../../../platform/logger';
import { parseByteRange } from './byte-range';
import { mediaKinds, MediaUnavailable, type MediaKind, type SimulatorMedia } from './media-store';

const contentTypes = { mp4: 'video/mp4', png: 'image/png' } as const;

const isKind = (kind: string): kind is MediaKind => Object.hasOwn(mediaKinds, kind);

/**
 * GET (and HEAD) `/media/:kind/:file`: the file, made on first request, with one byte range when asked
 * (a browser's <video> seeks that way). A task's media never change, so caches may keep them an hour.
 */
export function serveMedia(media: SimulatorMedia, logger: Logger): RouterMiddleware {
  return async function serveMediaFile(ctx) {
    const { kind, file } = ctx.params as { kind: string; file: string };
    const name = /^([\w-]{1,100})\.(mp4|png)$/.exec(file);
    if (!isKind(kind) || !name || mediaKinds[kind] !== name[2]) {
      ctx.status = 404;
      ctx.body = { error: 'not_found', message: `no media at ${ctx.path}` };
      return;
    }
    let found: string;
    try {
      found = await media.file(kind, name[1]);
    } catch (err) {
      if (err instanceof MediaUnavailable) {
        ctx.status = 404;
        ctx.body = { error: err.code, message: err.message };
        return;
      }
      logger.warn({ err, path: ctx.path }, 'simulator: could not make a media file');
      ctx.status = 500;
      ctx.body = { error: 'render_failed', message: (err as Error).message };
      return;
    }

    const { size } = await stat(found);
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('Cache-Control', 'public, max-age=3600');
    const range = parseByteRange(ctx.get('range') || undefined, size);
    if (range === 'unsatisfiable') {
      ctx.status = 416;
      ctx.set('Content-Range', `bytes */${size}`);
      ctx.body = { error: 'range_not_satisfiable', message: `the file has ${size} bytes` };
      return;
    }
    if (range) {
      ctx.status = 206;
      ctx.set('Content-Range', `bytes ${range.start}-${range.end}/${size}`);
    }
    // Koa sends no body for HEAD and closes the stream once the response is done.
    ctx.body = createReadStream(found, range ?? {});
    ctx.type = contentTypes[mediaKinds[kind]];
    ctx.length = range ? range.end - range.start + 1 : size;
  };
}

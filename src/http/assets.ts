import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import Router from '@koa/router';
import type { Context } from 'koa';
import type { MediaSettings } from '../platform/media-env';
import { isAssetKey, type AssetStore } from '../media/asset-store';
import { LocalAssetStore } from '../media/local-store';
import { assetRoutePrefix } from '../media/open-store';
import { S3AssetStore } from '../media/s3-store';

/**
 * The one range of a `Range: bytes=…` header (RFC 9110 §14.1.2) a <video> asks for: `a-b`, `a-` or the
 * last `n` bytes. Undefined means the whole file (no header, an invalid one, several ranges);
 * `unsatisfiable` is a 416.
 */
export function byteRange(header: string | undefined, size: number): { start: number; end: number } | 'unsatisfiable' | undefined {
  const match = header ? /^\s*bytes\s*=\s*(\d*)\s*-\s*(\d*)\s*$/i.exec(header) : null;
  if (!match || (match[1] === '' && match[2] === '')) return undefined;
  if (match[1] === '') {
    const suffix = Number(match[2]);
    return suffix === 0 || size === 0 ? 'unsatisfiable' : { start: Math.max(0, size - suffix), end: size - 1 };
  }
  const [start, last] = [Number(match[1]), match[2] === '' ? Infinity : Number(match[2])];
  if (last < start) return undefined;
  return start >= size ? 'unsatisfiable' : { start, end: Math.min(last, size - 1) };
}

/**
 * GET/HEAD /assets/<key>: the film's stored media, under the stable links the API and the user's
 * notification carry. From a local folder: served with byte ranges (a <video> seeks), an ETag (the
 * SHA-256 of the copy) and caching headers. From S3: a redirect to a freshly signed link that lives
 * ASSET_URL_TTL_SECONDS, so a stored link never expires while the signed ones do.
 */
export function assetRoutes(settings: MediaSettings, store: AssetStore | undefined): Router {
  const router = new Router();
  const serve = async (ctx: Context) => {
    const key = decodeURIComponent(ctx.path.slice(assetRoutePrefix.length));
    const asset = store && isAssetKey(key) ? await store.head(key) : undefined;
    if (!store || !asset) {
      ctx.status = 404;
      ctx.body = { error: 'not_found', message: 'No such asset' };
      return;
    }
    // Answered here rather than redirected: a HEAD (the signed link is signed for GET only), and the
    // pictures (last frames, thumbnails: small), which providers fetch as a scene's start frame and
    // some, like the simulator, never follow a redirect for.
    if (store instanceof S3AssetStore && (ctx.method === 'HEAD' || asset.contentType.startsWith('image/'))) {
      ctx.status = 200;
      ctx.type = asset.contentType;
      ctx.length = asset.size;
      ctx.set('ETag', `"${asset.sha256}"`);
      ctx.set('Cache-Control', 'public, max-age=300, must-revalidate');
      if (ctx.method !== 'HEAD') ctx.body = await store.read(key);
      return;
    }
    if (store instanceof S3AssetStore) {
      ctx.set('Cache-Control', `private, max-age=${Math.max(0, settings.urlTtlSeconds - 60)}`);
      ctx.redirect(await store.signedUrl(key, settings.urlTtlSeconds));
      return;
    }
    const file = (store as LocalAssetStore).pathOf(key)!;
    const { size } = await stat(file);
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('ETag', `"${asset.sha256}"`);
    // A key's bytes change only when a step is redone (an operator's retry): cache, but check back.
    ctx.set('Cache-Control', 'public, max-age=300, must-revalidate');
    ctx.type = asset.contentType;
    if (ctx.fresh) {
      ctx.status = 304;
      return;
    }
    const range = byteRange(ctx.get('Range') || undefined, size);
    if (range === 'unsatisfiable') {
      ctx.status = 416;
      ctx.set('Content-Range', `bytes */${size}`);
      ctx.body = { error: 'range_not_satisfiable', message: `The asset has ${size} bytes` };
      return;
    }
    const { start, end } = range ?? { start: 0, end: size - 1 };
    ctx.status = range ? 206 : 200;
    if (range) ctx.set('Content-Range', `bytes ${start}-${end}/${size}`);
    ctx.length = end - start + 1;
    // A HEAD answer keeps its status and length; a null body would turn it into a 204.
    if (ctx.method !== 'HEAD') ctx.body = createReadStream(file, { start, end });
  };
  router.get(`${assetRoutePrefix}*key`, serve);
  router.head(`${assetRoutePrefix}*key`, serve);
  return router;
}

import { createReadStream } from 'node:fs';
import { stat } from 'node:fs/promises';
import Router from '@koa/router';
import type { Context, Middleware } from 'koa';
import { callbackBaseUrl, type Config } from '../platform/config';
import type { MediaSettings } from '../platform/media-env';
import { createAssetLinkSigner, type AssetLinkSigner, type LinkCheck } from '../media/asset-links';
import { isAssetKey, type AssetStore } from '../media/asset-store';
import { LocalAssetStore } from '../media/local-store';
import { assetRoutePrefix, isS3Store } from '../media/open-store';
import { HttpError } from './errors';
import { signAssetLinksInAnswers } from './signed-asset-links';

/** Why a link was refused: the same 403 whether or not the asset exists, so a refusal reveals nothing. */
const refusals: Record<Exclude<LinkCheck, 'valid'>, [code: string, message: string]> = {
  unsigned: ['asset_link_unsigned', 'This link needs its signature: take the film\'s links from the project API (GET /api/v1/projects/:id)'],
  forged: ['asset_link_invalid', 'This link\'s signature does not match it'],
  expired: ['asset_link_expired', 'This link has expired: take a fresh one from the project API (GET /api/v1/projects/:id)'],
};

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
 * GET/HEAD /assets/<key>?expires=…&signature=…: the film's stored media, under the signed links the API
 * and the user's notification carry (asset-links.ts). From a local folder: served with byte ranges (a
 * <video> seeks), an ETag (the SHA-256 of the copy) and caching headers. From S3: a redirect to the
 * bucket's own presigned link, which lives ASSET_URL_TTL_SECONDS.
 */
export function assetRoutes(settings: MediaSettings, store: AssetStore | undefined, signer: AssetLinkSigner | undefined): Router {
  const router = new Router();
  const serve = async (ctx: Context) => {
    const key = decodeURIComponent(ctx.path.slice(assetRoutePrefix.length));
    const verdict = signer ? signer.check(key, ctx.query) : 'unsigned';
    if (verdict !== 'valid') throw new HttpError(403, ...refusals[verdict]);
    const asset = store && isAssetKey(key) ? await store.head(key) : undefined;
    if (!store || !asset) throw new HttpError(404, 'not_found', 'No such asset');
    // Answered here rather than redirected: a HEAD (the signed link is signed for GET only), and the
    // pictures (last frames, thumbnails: small), which providers fetch as a scene's start frame and
    // some, like the simulator, never follow a redirect for.
    if (isS3Store(store) && (ctx.method === 'HEAD' || asset.contentType.startsWith('image/'))) {
      ctx.status = 200;
      ctx.type = asset.contentType;
      ctx.length = asset.size;
      ctx.set('ETag', `"${asset.sha256}"`);
      ctx.set('Cache-Control', 'private, max-age=300, must-revalidate');
      if (ctx.method !== 'HEAD') ctx.body = await store.read(key);
      return;
    }
    if (isS3Store(store)) {
      ctx.set('Cache-Control', `private, max-age=${Math.max(0, settings.urlTtlSeconds - 60)}`);
      ctx.redirect(await store.signedUrl(key, settings.urlTtlSeconds));
      return;
    }
    const file = (store as LocalAssetStore).pathOf(key)!;
    const { size } = await stat(file);
    ctx.set('Accept-Ranges', 'bytes');
    ctx.set('ETag', `"${asset.sha256}"`);
    // A key's bytes change only when a step is redone (an operator's retry): cache, but check back; in the
    // viewer's cache only, as a signed link is somebody's film.
    ctx.set('Cache-Control', 'private, max-age=300, must-revalidate');
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

const passThrough: Middleware = (_ctx, next) => next();

/** The gateway's side of the asset store: the /assets/ routes, and the signing of the links its answers hand out. */
export function assetService(config: Config, store: AssetStore | undefined) {
  const { linkSecrets: secrets, urlTtlSeconds: ttlSeconds, publicUrl } = config.media;
  const signer = store && secrets.length ? createAssetLinkSigner({ secrets, ttlSeconds }) : undefined;
  return {
    routes: assetRoutes(config.media, store, signer),
    /** Passes answers through as they are when there is no store (no link of Reelay's to sign). */
    signAnswers: signer ? signAssetLinksInAnswers(publicUrl ?? callbackBaseUrl(config), signer) : passThrough,
  };
}

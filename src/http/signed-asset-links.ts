import type Koa from 'koa';
import type { AssetLinkSigner } from '../media/asset-links';
import { isAssetKey } from '../media/asset-store';
import { assetRoutePrefix, keyOfAssetLink } from '../media/open-store';

/** Each string in a JSON answer passed through `sign`, the rest as it is. */
function signedCopy(value: unknown, sign: (text: string) => string): unknown {
  if (typeof value === 'string') return sign(value);
  if (Array.isArray(value)) return value.map((item) => signedCopy(item, sign));
  if (value !== null && typeof value === 'object' && Object.getPrototypeOf(value) === Object.prototype) {
    return Object.fromEntries(Object.entries(value).map(([name, item]) => [name, signedCopy(item, sign)]));
  }
  return value;
}

/**
 * Every answer of the API and the console hands out Reelay's asset links signed (asset-links.ts), wherever
 * the link sits in it (a scene, a take, a cut, the film, the operator's storyboard): the database keeps
 * the stable link, and whoever reads a film gets links that work for ASSET_URL_TTL_SECONDS. A link is
 * Reelay's when it starts with the configured public base, or with this request's own origin (npm start,
 * reached as localhost or 127.0.0.1). Never the webhooks' answers, nor the assets themselves.
 */
export function signAssetLinksInAnswers(configuredBase: string, signer: AssetLinkSigner): Koa.Middleware {
  return async function signAssetLinks(ctx, next) {
    await next();
    if (ctx.body === null || typeof ctx.body !== 'object' || ctx.path.startsWith('/api/webhooks/') || ctx.path.startsWith(assetRoutePrefix)) return;
    const bases = [configuredBase, `${ctx.protocol}://${ctx.host}`];
    const sign = (text: string) => {
      if (!text.includes(assetRoutePrefix) || text.includes('?')) return text;
      for (const base of bases) {
        const key = keyOfAssetLink(base, text);
        if (key !== undefined && isAssetKey(key)) return signer.signed(base, key);
      }
      return text;
    };
    const signed = signedCopy(ctx.body, sign);
    if (signed !== ctx.body) ctx.body = signed;
  };
}

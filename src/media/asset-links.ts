import { createHmac, timingSafeEqual } from 'node:crypto';
import type { AssetStore } from './asset-store';
import type { MediaSettings } from '../platform/media-env';
import { assetLink, isS3Store, keyOfAssetLink, openAssetStore } from './open-store';

/** What a request for /assets/<key> proved about its link. */
export type LinkCheck = 'valid' | 'unsigned' | 'forged' | 'expired';

export interface AssetLinkSettings {
  /** ASSET_LINK_SECRET: the first signs, any verifies (so a secret can be rotated without breaking links in flight). */
  secrets: string[];
  /** How long a link handed out stays valid (ASSET_URL_TTL_SECONDS). */
  ttlSeconds: number;
}

const signatureOf = (secret: string, key: string, expires: string) => createHmac('sha256', secret).update(`${key}\n${expires}`).digest('base64url');

/**
 * Reelay's own asset links are stored stable (`<base>/assets/<key>`, never expiring) and handed out
 * signed: `?expires=<unix seconds>&signature=<HMAC-SHA256 of key and expiry>`, like an S3 presigned URL.
 * A film id is often guessable (`harbour-01@client`), so a stable link alone must reveal nothing; a signed
 * one can be put in a <video>, an e-mail or a provider's request without any key going with it.
 */
export function createAssetLinkSigner({ secrets, ttlSeconds }: AssetLinkSettings) {
  if (!secrets.length) throw new Error('Signing asset links needs ASSET_LINK_SECRET');
  return {
    /** The stable link of `key` under `base`, signed for ttlSeconds from `now`. */
    signed(base: string, key: string, now = Date.now()): string {
      const expires = String(Math.floor(now / 1000) + ttlSeconds);
      return `${assetLink(base, key)}?expires=${expires}&signature=${signatureOf(secrets[0], key, expires)}`;
    },

    check(key: string, query: Record<string, string | string[] | undefined>, now = Date.now()): LinkCheck {
      const { expires, signature } = query;
      if (expires === undefined && signature === undefined) return 'unsigned';
      if (typeof expires !== 'string' || typeof signature !== 'string' || !/^\d{1,12}$/.test(expires)) return 'forged';
      const given = Buffer.from(signature);
      const genuine = secrets.some((secret) => {
        const expected = Buffer.from(signatureOf(secret, key, expires));
        return expected.length === given.length && timingSafeEqual(expected, given);
      });
      if (!genuine) return 'forged';
      return Number(expires) * 1000 < now ? 'expired' : 'valid';
    },
  };
}

export type AssetLinkSigner = ReturnType<typeof createAssetLinkSigner>;

/**
 * For what Reelay sends out (a provider's start frame, a remote step's videos, the user's notification):
 * each of Reelay's own links made fetchable by whoever receives it, anything else as it is. From an S3
 * store, the bucket's own presigned link (a service fetches it directly, following no redirect); from a
 * local folder, the gateway's signed link.
 */
export function linkSharer(base: string, signer: AssetLinkSigner | undefined, store: AssetStore | undefined, ttlSeconds: number) {
  return async <T extends string | null | undefined>(url: T): Promise<T> => {
    const key = url ? keyOfAssetLink(base, url) : undefined;
    if (!key || !signer) return url;
    return (store && isS3Store(store) ? await store.signedUrl(key, ttlSeconds) : signer.signed(base, key)) as T;
  };
}

export type LinkSharer = ReturnType<typeof linkSharer>;

/** The sharer of a deployment's links under `base`; links pass as they are without a store (the guide's way). */
export function linkSharerFor(media: MediaSettings, base: string): LinkSharer {
  const store = openAssetStore(media.store);
  const signer = store && media.linkSecrets.length ? createAssetLinkSigner({ secrets: media.linkSecrets, ttlSeconds: media.urlTtlSeconds }) : undefined;
  return linkSharer(media.publicUrl ?? base, signer, store, media.urlTtlSeconds);
}

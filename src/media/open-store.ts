import type { AssetStoreSettings } from '../platform/media-env';
import type { AssetStore } from './asset-store';
import { LocalAssetStore } from './local-store';
import { S3AssetStore } from './s3-store';

/** The configured store, or undefined when there is none (ASSET_STORE=none). */
export function openAssetStore(settings: AssetStoreSettings): AssetStore | undefined {
  if (settings.kind === 'local') return new LocalAssetStore(settings.root);
  if (settings.kind === 's3') return new S3AssetStore({ ...settings, forcePathStyle: Boolean(settings.endpoint) });
  return undefined;
}

/** The path under which the gateway serves stored assets. */
export const assetRoutePrefix = '/assets/';

/** The link Reelay hands out for an asset: stable (the gateway answers it from the store, or redirects to a fresh signed S3 link). */
export const assetLink = (publicBase: string, key: string): string => `${publicBase.replace(/\/+$/, '')}${assetRoutePrefix}${key}`;

/** The key of one of Reelay's own asset links, or undefined for any other URL. */
export function keyOfAssetLink(publicBase: string, url: string): string | undefined {
  const prefix = `${publicBase.replace(/\/+$/, '')}${assetRoutePrefix}`;
  return url.startsWith(prefix) ? decodeURIComponent(url.slice(prefix.length).split('?')[0]) : undefined;
}

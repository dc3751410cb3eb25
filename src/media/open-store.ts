import type { AssetStoreSettings } from '../platform/media-env';
import type { AssetStore } from './asset-store';
import { LocalAssetStore } from './local-store';
import type { S3AssetStore } from './s3-store';

/** The configured store, or undefined when there is none (ASSET_STORE=none). */
export function openAssetStore(settings: AssetStoreSettings): AssetStore | undefined {
  if (settings.kind === 'local') return new LocalAssetStore(settings.root);
  if (settings.kind === 's3') {
    // Required here, not imported: the AWS SDK is 7 MiB of heap in every gateway and worker, and most run without S3.
    // eslint-disable-next-line @typescript-eslint/no-require-imports
    const { S3AssetStore: Store } = require('./s3-store') as typeof import('./s3-store');
    return new Store({ ...settings, forcePathStyle: Boolean(settings.endpoint) });
  }
  return undefined;
}

/** The S3 store's own abilities (signed links, streamed reads), known by its kind rather than its class, which loads the AWS SDK. */
export const isS3Store = (store: AssetStore): store is S3AssetStore => store.kind === 's3';

/** The path under which the gateway serves stored assets. */
export const assetRoutePrefix = '/assets/';

/** The link Reelay hands out for an asset: stable (the gateway answers it from the store, or redirects to a fresh signed S3 link). */
export const assetLink = (publicBase: string, key: string): string => `${publicBase.replace(/\/+$/, '')}${assetRoutePrefix}${key}`;

/** The key of one of Reelay's own asset links, or undefined for any other URL. */
export function keyOfAssetLink(publicBase: string, url: string): string | undefined {
  const prefix = `${publicBase.replace(/\/+$/, '')}${assetRoutePrefix}`;
  return url.startsWith(prefix) ? decodeURIComponent(url.slice(prefix.length).split('?')[0]) : undefined;
}

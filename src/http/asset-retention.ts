import { assetKeys, type AssetStore } from '../media/asset-store';
import type { createAssetRetentionRecords } from '../storage/asset-retention';

type RetentionRecords = ReturnType<typeof createAssetRetentionRecords>;

/**
 * ASSET_INTERMEDIATE_RETENTION_DAYS acted on: a finished film's scene videos and last frames are removed
 * from the store once the film has been done that many days (its scene thumbnails and the film stay),
 * and its scenes stop linking to them. Run with the gateway's other pruning, hourly; idempotent, so
 * several gateways may sweep at once. Answers how many films were pruned.
 */
export async function pruneIntermediateAssets(records: RetentionRecords, store: AssetStore, retentionDays: number, now = new Date()): Promise<number> {
  if (retentionDays <= 0) return 0;
  const cutoff = new Date(now.getTime() - retentionDays * 86_400_000);
  let pruned = 0;
  for (;;) {
    const films = await records.filmsToPrune(cutoff);
    for (const projectId of films) {
      const keys = await store.list(assetKeys.project(projectId));
      await store.delete(keys.filter(assetKeys.isIntermediate));
      await records.forgetIntermediates(projectId);
    }
    pruned += films.length;
    if (films.length === 0) return pruned;
  }
}

import type { PrismaClient } from './prisma';

/** Scene links that point into Reelay's asset store (`…/assets/projects/<id>/scenes/…`). */
const storedSceneAsset = '/assets/projects/';

/**
 * The records side of asset retention (docs/media.md, Retention): which finished films still hold
 * intermediate assets (scene videos, last frames) past their lifetime, and forgetting their links once
 * those assets are removed. A scene whose links are gone is the marker that its film was pruned, so a
 * sweep never lists the same film twice.
 */
export function createAssetRetentionRecords(prisma: PrismaClient) {
  return {
    /** Films completed before `cutoff` whose scenes still link to stored intermediate assets, oldest first. */
    async filmsToPrune(cutoff: Date, limit = 100): Promise<string[]> {
      const rows = await prisma.project.findMany({
        where: {
          status: 'completed',
          completedAt: { lt: cutoff },
          scenes: { some: { OR: [{ videoUrl: { contains: storedSceneAsset } }, { lastFrameUrl: { contains: storedSceneAsset } }] } },
        },
        select: { id: true },
        orderBy: { completedAt: 'asc' },
        take: limit,
      });
      return rows.map((r) => r.id);
    },

    /** The film's scenes no longer link to the removed videos and last frames: the API shows them as gone. */
    async forgetIntermediates(projectId: string): Promise<void> {
      await prisma.scene.updateMany({ where: { projectId, videoUrl: { contains: storedSceneAsset } }, data: { videoUrl: null } });
      await prisma.scene.updateMany({ where: { projectId, lastFrameUrl: { contains: storedSceneAsset } }, data: { lastFrameUrl: null } });
    },
  };
}

import { projectIdOfFilm } from '../../contracts/ids';
import { costOf, defaultProvider, sumCosts } from '../../contracts/providers';
import type { PrismaClient } from '../../storage/prisma';
import type { ProviderLeases } from '../../storage/provider-leases';

/**
 * The public shape of a project, as GET /api/v1/projects/:id answers it. For a client (`clientId`), only
 * its own film, named by its own project id; for the operator (null), any film, named by its whole id.
 * `queue` is the film's place in its provider's line while a scene waits for a slot (else null).
 */
export async function findProjectView(prisma: PrismaClient, filmId: string, clientId: string | null = null, queueOf?: ProviderLeases['queueOf']) {
  const project = await prisma.project.findUnique({
    where: { id: filmId },
    include: { scenes: { orderBy: { index: 'asc' } } },
  });
  if (!project || (clientId !== null && project.clientId !== clientId)) return null;
  const costs = project.scenes.map((s) => costOf(s.videoDetail));
  return {
    project_id: projectIdOfFilm(project.id, clientId),
    user_id: project.userId,
    workflow_id: project.workflowId,
    status: project.status,
    provider: project.provider,
    model: project.model,
    queue: queueOf && project.provider !== defaultProvider && !project.completedAt ? await queueOf(project.id) : null,
    /** What the scenes' videos cost, one total per unit the providers report in (empty when none reports). */
    cost: sumCosts(costs),
    scenes: project.scenes.map((s, i) => ({
      scene_id: s.id,
      index: s.index,
      status: s.status,
      prompt: s.prompt,
      video_url: s.videoUrl,
      last_frame_url: s.lastFrameUrl,
      thumbnail_url: s.thumbnailUrl,
      attempts: s.attempts,
      model: s.model ?? project.model,
      cost: costs[i],
      failure_reason: s.failureReason,
    })),
    final_video_url: project.finalVideoUrl,
    thumbnail_url: project.thumbnailUrl,
    failure_reason: project.failureReason,
    created_at: project.createdAt.toISOString(),
    updated_at: project.updatedAt.toISOString(),
    completed_at: project.completedAt?.toISOString() ?? null,
  };
}

export type ProjectView = NonNullable<Awaited<ReturnType<typeof findProjectView>>>;

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
    include: { scenes: { orderBy: { index: 'asc' }, include: { takes: { orderBy: { take: 'asc' } } } }, cuts: { orderBy: { cut: 'asc' } } },
  });
  if (!project || (clientId !== null && project.clientId !== clientId)) return null;
  const costs = project.scenes.map((s) => costOf(s.videoDetail));
  const takeCosts = project.scenes.flatMap((s) => s.takes.map((t) => costOf({ cost: t.cost })));
  // Every take was paid for, chosen or not: a review film's spend is its takes'.
  const spent = sumCosts(takeCosts.length ? takeCosts : costs)[0];
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
    review: {
      mode: project.reviewMode,
      awaiting: project.reviewAwaiting ?? null,
      timeout_at: project.reviewTimeoutAt?.toISOString() ?? null,
      timeout_hours: project.reviewMode === 'none' ? null : project.reviewTimeoutHours,
      timeout_action: project.reviewMode === 'none' ? null : project.reviewTimeoutAction,
    },
    spend: { spent: spent?.amount ?? 0, limit: project.spendLimit, unit: spent?.unit ?? null },
    cuts: project.cuts.map((c) => ({ cut: c.cut, video_url: c.videoUrl, created_at: c.createdAt.toISOString() })),
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
      chosen_take: s.chosenTake,
      chain_broken: s.chainBroken,
      takes: s.takes.map((t) => ({
        take: t.take,
        prompt: t.prompt,
        seed: t.seed,
        options: t.options,
        cost: costOf({ cost: t.cost }),
        start_frame_url: t.startFrameUrl,
        video_url: t.videoUrl,
        thumbnail_url: t.thumbnailUrl,
        last_frame_url: t.lastFrameUrl,
        created_at: t.createdAt.toISOString(),
      })),
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

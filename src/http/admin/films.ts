import type { Client } from '@temporalio/client';
import type { FilmList, FilmReview, LiveStep, Storyboard, TimelineStep } from '../../contracts/console';
import { costOf, sumCosts } from '../../contracts/providers';
import { terminalStatuses } from '../../contracts/console';
import type { ProjectStatus } from '../../contracts/statuses';
import { stepNames, type Step } from '../../contracts/steps';
import { progressQuery } from '../../contracts/workflow-api';
import type { PrismaClient, WebhookEvent } from '../../storage/prisma';
import type { ProviderLeases } from '../../storage/provider-leases';
import { findProjectView } from '../projects/project-view';

export interface FilmListQuery {
  status?: ProjectStatus;
  /** Part of the project id. */
  search?: string;
  limit: number;
  cursor?: string;
}

const iso = (d: Date | null) => d?.toISOString() ?? null;

/** Films, newest first, keyset-paginated by id within equal creation times. */
export async function listFilms(prisma: PrismaClient, { status, search, limit, cursor }: FilmListQuery): Promise<FilmList> {
  const rows = await prisma.project.findMany({
    where: { status, ...(search ? { id: { contains: search, mode: 'insensitive' } } : {}) },
    orderBy: [{ createdAt: 'desc' }, { id: 'desc' }],
    take: limit + 1,
    ...(cursor ? { cursor: { id: cursor }, skip: 1 } : {}),
    include: { scenes: { select: { status: true } } },
  });
  return {
    data: rows.slice(0, limit).map((p) => ({
      project_id: p.id,
      client: p.clientId,
      status: p.status,
      scenes_total: p.scenes.length,
      scenes_completed: p.scenes.filter((s) => s.status === 'completed').length,
      failure_reason: p.failureReason,
      created_at: p.createdAt.toISOString(),
      updated_at: p.updatedAt.toISOString(),
      completed_at: iso(p.completedAt),
    })),
    next_cursor: rows.length > limit ? rows[limit - 1].id : null,
  };
}

type CallbackRow = Pick<WebhookEvent, 'endpoint' | 'sceneId' | 'status' | 'receivedAt'>;

/**
 * The film's steps in order, timed by the callbacks that ended them: each step starts when the one
 * before it ended (the workflow asks for the next step as soon as a callback lands) and ends at its
 * first accepted callback. Stops at the first step that has not ended.
 */
export function timelineOf(
  createdAt: Date,
  scenes: { id: string; index: number; status: string }[],
  callbacks: CallbackRow[],
): TimelineStep[] {
  const first = (step: Step, sceneId: string | null, status: string) =>
    callbacks.find((c) => c.endpoint === stepNames[step].stored && c.sceneId === sceneId && c.status === status);
  const timeline: TimelineStep[] = [];
  let from = createdAt;
  const add = (step: Step, sceneIndex: number | null, sceneId: string | null, sceneFailed: boolean): boolean => {
    const done = first(step, sceneId, 'completed');
    const failed = !done && sceneFailed ? first(step, sceneId, 'failed') : undefined;
    const end = done ?? failed;
    timeline.push({
      step,
      scene_index: sceneIndex,
      started_at: from.toISOString(),
      finished_at: iso(end?.receivedAt ?? null),
      duration_ms: end ? end.receivedAt.getTime() - from.getTime() : null,
      outcome: done ? 'completed' : failed ? 'failed' : 'running',
    });
    if (!done) return false;
    from = done.receivedAt;
    return true;
  };
  for (const scene of scenes) {
    const failed = scene.status === 'failed';
    if (!add('video', scene.index, scene.id, failed) || !add('lastFrame', scene.index, scene.id, failed)) return timeline;
  }
  if (scenes.length) add('stitch', null, null, false);
  return timeline;
}

export interface StoryboardDeps {
  prisma: PrismaClient;
  temporal: Client;
  /** The Temporal Web UI's base URL, if any, and the namespace, for the link to the workflow. */
  temporalUiUrl?: string;
  namespace: string;
  /** The film's place in its provider's line, when a scene waits for a slot. */
  queueOf?: ProviderLeases['queueOf'];
}

/** The workflow's current step, asked of the workflow itself; null when it is not running or does not answer. */
async function liveStep(temporal: Client, workflowId: string): Promise<LiveStep | null> {
  try {
    const progress = await temporal.workflow.getHandle(workflowId).query(progressQuery);
    const current = progress.current;
    return current ? { step: current.step, scene_index: current.sceneIndex, attempt: current.attempt, phase: current.phase, until: current.until } : null;
  } catch {
    return null; // closed, not started yet, or no worker: the stored state still tells the story
  }
}

export async function findStoryboard({ prisma, temporal, temporalUiUrl, namespace, queueOf }: StoryboardDeps, projectId: string): Promise<Storyboard | null> {
  const [project, view] = await Promise.all([
    prisma.project.findUnique({ where: { id: projectId }, include: { scenes: { orderBy: { index: 'asc' } } } }),
    // The review desk shows what the project API answers (takes, cuts, spend), from the same code.
    findProjectView(prisma, projectId, null, queueOf),
  ]);
  if (!project || !view) return null;
  const callbacks = await prisma.webhookEvent.findMany({
    where: { projectId, outcome: { in: ['signaled', 'received', 'pending_project'] } },
    select: { endpoint: true, sceneId: true, status: true, receivedAt: true },
    orderBy: { receivedAt: 'asc' },
  });
  const running = !terminalStatuses.includes(project.status);
  const costs = project.scenes.map((s) => costOf(s.videoDetail));
  return {
    project_id: project.id,
    workflow_id: project.workflowId,
    status: project.status,
    failure_reason: project.failureReason,
    final_video_url: project.finalVideoUrl,
    thumbnail_url: project.thumbnailUrl,
    created_at: project.createdAt.toISOString(),
    updated_at: project.updatedAt.toISOString(),
    completed_at: iso(project.completedAt),
    workflow_url: temporalUiUrl
      ? `${temporalUiUrl.replace(/\/+$/, '')}/namespaces/${encodeURIComponent(namespace)}/workflows/${encodeURIComponent(project.workflowId)}`
      : null,
    provider: project.provider,
    model: project.model,
    cost: sumCosts(costs),
    current: running ? await liveStep(temporal, project.workflowId) : null,
    queue: running ? view.queue : null,
    // `awaiting` is a JSON column the workflow writes in exactly this shape (contracts/review.ts, Awaiting as the API names it).
    review: { ...view.review, awaiting: view.review.awaiting as FilmReview['awaiting'] },
    spend: view.spend,
    cuts: view.cuts,
    scenes: project.scenes.map((s, i) => ({
      index: s.index,
      scene_id: s.id,
      prompt: s.prompt,
      status: s.status,
      attempts: s.attempts,
      failure_reason: s.failureReason,
      start_frame_url: s.startFrameUrl,
      video_url: s.videoUrl,
      thumbnail_url: s.thumbnailUrl,
      last_frame_url: s.lastFrameUrl,
      completed_at: iso(s.completedAt),
      cost: costs[i],
      takes: view.scenes[i]?.takes ?? [],
      chosen_take: view.scenes[i]?.chosen_take ?? null,
      chain_broken: view.scenes[i]?.chain_broken ?? false,
    })),
    timeline: timelineOf(project.createdAt, project.scenes, callbacks),
  };
}

import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { assetKeys, type AssetStore } from '../../media/asset-store';
import { deleteProjectRows } from '../../storage/project-deletion';
import type { PrismaClient } from '../../storage/prisma';
import type { ProviderLeases } from '../../storage/provider-leases';
import { HttpError } from '../errors';

export interface ProjectDeleterDeps {
  prisma: PrismaClient;
  temporal: Client;
  /** The deployment's asset store, when it has one: the film's media go with it. */
  store: AssetStore | undefined;
  /** A film not running holds no slot, unless its workflow was terminated: any it left go to the next in line. */
  leases?: Pick<ProviderLeases, 'releaseProject'>;
}

/** Seconds a caller waits before asking again when Temporal cannot say whether the film still runs. */
const temporalRetryAfterSeconds = 5;

/**
 * Deletes a film that is no longer running: its media in the asset store first, then its rows, so a
 * deletion that fails half-way is finished by asking again (both steps are idempotent) and never
 * leaves media no row points to. A film whose workflow is still open (running, or failed and waiting
 * for an operator's retry) is refused: it must be cancelled first. Nothing is terminated.
 */
export function createProjectDeleter({ prisma, temporal, store, leases }: ProjectDeleterDeps) {
  async function stillRunning(workflowId: string): Promise<boolean> {
    try {
      const description = await temporal.workflow.getHandle(workflowId).describe();
      return description.status.name === 'RUNNING';
    } catch (err) {
      // Past Temporal's retention the workflow is gone: it runs no more.
      if (err instanceof WorkflowNotFoundError) return false;
      throw new HttpError(503, 'temporal_unavailable', 'Cannot tell whether the film is still running; try again shortly', undefined, {
        'retry-after': String(temporalRetryAfterSeconds),
      });
    }
  }

  /** False when there is no such film. */
  return async function deleteProject(filmId: string, shownId: string): Promise<boolean> {
    const project = await prisma.project.findUnique({ where: { id: filmId }, select: { workflowId: true, status: true } });
    if (!project) return false;
    if (await stillRunning(project.workflowId)) {
      throw new HttpError(
        409,
        'project_running',
        `Project ${shownId} is still ${project.status === 'failed' ? 'open for a retry' : 'running'}: cancel it first (POST /api/v1/projects/{id}/cancel), then delete it`,
        { status: project.status },
      );
    }
    if (store) {
      const keys = await store.list(assetKeys.project(filmId));
      if (keys.length) await store.delete(keys);
    }
    await leases?.releaseProject(filmId);
    return deleteProjectRows(prisma, filmId);
  };
}

export type DeleteProject = ReturnType<typeof createProjectDeleter>;

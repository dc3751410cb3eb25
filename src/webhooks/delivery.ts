import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/workflow';
import { workflowIdFor } from '../domain/ids';
import type { PrismaClient } from '../db/prisma';
import type { StepEvent } from '../workflows/events';
import { lastFrameCompleteSignal, stitchCompleteSignal, videoCompleteSignal } from '../workflows/messages';
import type { WebhookEndpointName } from './endpoints';

/** The signal each callback becomes. */
export const signalFor: Record<WebhookEndpointName, SignalDefinition<[StepEvent]>> = {
  'video-complete': videoCompleteSignal,
  'last-frame-complete': lastFrameCompleteSignal,
  'stitch-complete': stitchCompleteSignal,
};

/**
 * - `signaled`: Temporal durably recorded the signal in the project's workflow history;
 * - `ignored`: the project exists but its workflow has finished, so there is nothing to change;
 * - `pending_project`: no such project yet, or its workflow has not started yet.
 * Anything else (Temporal unreachable, ...) is thrown, and the sender should retry.
 */
export type DeliveryOutcome = 'signaled' | 'ignored' | 'pending_project';

/** Hands a verified callback to its project's workflow. */
export function createDelivery(temporal: Client, prisma: PrismaClient) {
  return async function deliver(endpoint: WebhookEndpointName, event: StepEvent): Promise<DeliveryOutcome> {
    try {
      await temporal.workflow.getHandle(workflowIdFor(event.projectId)).signal(signalFor[endpoint], event);
      return 'signaled';
    } catch (err) {
      if (!(err instanceof WorkflowNotFoundError)) throw err;
      // Not found covers "never existed", "not started yet" and "already closed": ask the database.
      const project = await prisma.project.findUnique({ where: { id: event.projectId }, select: { status: true } });
      return !project || project.status === 'pending' ? 'pending_project' : 'ignored';
    }
  };
}

export type Deliver = ReturnType<typeof createDelivery>;

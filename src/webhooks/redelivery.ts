import type { WebhookEvent } from '../generated/prisma/client';
import type { Logger } from '../logging/logger';
import type { Deliver, DeliveryOutcome } from './delivery';
import { webhookEndpointDbValue, webhookEndpoints, type WebhookEndpointName } from './endpoints';
import type { EventStore } from './event-store';
import { storedStepEvent } from './step-event';

const endpointOf = Object.fromEntries(webhookEndpoints.map((name) => [webhookEndpointDbValue[name], name])) as Record<
  WebhookEvent['endpoint'],
  WebhookEndpointName
>;

/**
 * Delivers stored events again: on an operator's replay, and automatically for events that arrived
 * before their project existed, once it does. The workflow ignores what it has already applied, so
 * a redelivery is always safe.
 */
export function createRedelivery(events: EventStore, deliver: Deliver, logger: Logger) {
  async function redeliver(stored: WebhookEvent): Promise<DeliveryOutcome> {
    const endpoint = endpointOf[stored.endpoint];
    const outcome = await deliver(endpoint, storedStepEvent(endpoint, stored.rawBody));
    await events.setOutcome(stored.id, outcome);
    return outcome;
  }

  async function applyPending(projectId: string): Promise<number> {
    let applied = 0;
    for (const stored of await events.pendingFor(projectId)) {
      try {
        if ((await redeliver(stored)) === 'signaled') applied += 1;
      } catch (err) {
        logger.warn({ err, eventId: stored.id, projectId }, 'Could not apply an early webhook; it can be replayed');
      }
    }
    if (applied) logger.info({ projectId, applied }, 'Applied webhooks that arrived before their project');
    return applied;
  }

  return { redeliver, applyPending };
}

export type Redelivery = ReturnType<typeof createRedelivery>;

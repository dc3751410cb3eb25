import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { workflowIdFor } from '../contracts/ids';
import { providerSlotGrantedSignal } from '../contracts/workflow-api';

/**
 * Wakes the films just granted a slot under a provider's cap: one signal each, sent at once. A signal
 * that fails (Temporal away, the film ended) is only logged: the waiter's fallback timer asks again,
 * and a slot never claimed goes to the next in line when its claim time passes.
 */
export function wakeGrantedFilms(temporal: () => Client | undefined, logger: { warn(detail: Record<string, unknown>, message: string): void }) {
  return async (grants: { projectId: string; fingerprint: string }[]): Promise<void> => {
    const client = temporal();
    if (!client) return;
    await Promise.all(
      grants.map(({ projectId, fingerprint }) =>
        client.workflow
          .getHandle(workflowIdFor(projectId))
          .signal(providerSlotGrantedSignal, fingerprint)
          .catch((err: unknown) => {
            if (!(err instanceof WorkflowNotFoundError)) logger.warn({ err, projectId, fingerprint }, 'Could not wake a film granted a provider slot');
          }),
      ),
    );
  };
}

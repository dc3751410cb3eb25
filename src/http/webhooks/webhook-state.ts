import type { ParameterizedContext } from 'koa';
import type { StepEvent } from '../../contracts/steps';
import type { SignatureScheme, WebhookPayload } from '../../contracts/webhooks';
import type { StoredEvent } from '../../storage/event-store';
import type { AppState } from '../request-context';

/**
 * - `signaled`: Temporal durably recorded the signal in the project's workflow history;
 * - `ignored`: the project exists but its workflow has finished, so there is nothing to change;
 * - `pending_project`: no such project yet, or its workflow has not started yet.
 * Anything else (Temporal unreachable, ...) is thrown, and the sender should retry.
 */
export type DeliveryOutcome = 'signaled' | 'ignored' | 'pending_project';

/** What each stage of a webhook's way in (receive.ts) leaves for the next. */
export interface WebhookState extends AppState {
  rawBody: Buffer;
  scheme: SignatureScheme;
  payload: WebhookPayload;
  event: StepEvent;
  stored: StoredEvent;
  outcome: DeliveryOutcome | 'duplicate';
}

export type WebhookContext = ParameterizedContext<WebhookState>;

/** How an answered webhook is counted and logged: a repeat, one for a finished project, or a success. */
export const answeredOutcome = (outcome: WebhookState['outcome'] | undefined): 'success' | 'duplicate' | 'ignored' =>
  outcome === 'duplicate' || outcome === 'ignored' ? outcome : 'success';

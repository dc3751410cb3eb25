import { randomBytes } from 'node:crypto';
import type { ServiceName, ServiceRequest } from '../../contracts/services';
import type { WebhookEndpointName } from '../../contracts/steps';
import { signatureHeader, signBody } from '../../contracts/webhooks';
import type { Logger } from '../../platform/logger';
import { simulatedCallback, simulatedFailure } from './callbacks';

/** One webhook the simulator sent (or is still trying to send). */
export interface SentWebhook {
  endpoint: WebhookEndpointName;
  taskId: string;
  projectId: string;
  /** The scene the task was for (none for the stitch). */
  sceneId?: string;
  url: string;
  attempts: number;
  lastStatus?: number;
  acknowledged: boolean;
  /** When a 2xx came back (ms since the epoch). */
  acknowledgedAt?: number;
}

/**
 * How the simulated service treats one request. Undefined (or `{}`) means "succeed after the delay".
 * - `reject`: answer with this HTTP status instead of a task (an outage when 5xx), and `rejectBody`
 *   as its body when given (what an upstream proxy might say, internal names and all);
 * - `redirect`: answer `303 See Other` to this URL instead of a task (a compromised service);
 * - `fail`: create the task, then report it failed with this reason (no `error` field when empty);
 * - `loseTask`: create the task and forget it: no callback, and asked again it is `unknown`;
 * - `loseCallback`: complete the task but never send its callback, until asked again;
 * - `duplicate`: send the callback twice;
 * - `extraDelayMs`: complete later than usual (callbacks arrive out of order);
 * - `callbackFirst`: send the callback before answering the request, so it reaches the workflow
 *   before the activity that asked for the task has even returned;
 * - `taskId`: use this task id instead of a fresh one, as a provider that reuses ids does (a test
 *   service restarted, the guide's `test_123`);
 * - `holdUntil`: answer only once this settles (a request in flight while its caller dies).
 */
export interface TaskBehaviour {
  reject?: number;
  rejectBody?: string;
  redirect?: string;
  fail?: string;
  loseTask?: boolean;
  loseCallback?: boolean;
  duplicate?: boolean;
  extraDelayMs?: number;
  callbackFirst?: boolean;
  taskId?: string;
  holdUntil?: Promise<unknown>;
}

export interface SimulatedTask {
  id: string;
  state: 'queued' | 'completed' | 'failed' | 'lost';
  /** The callback, once the task is done; kept for a re-send when it was never delivered. */
  callback?: { webhook: SentWebhook; body: string };
  withheld: boolean;
  /** What it was asked, once it is under way: the media its callback names are drawn from it. */
  work?: TaskWork;
}

export interface TaskOptions {
  /** The secret each webhook is signed with (the first of the endpoint's active secrets). */
  secrets: Record<WebhookEndpointName, string>;
  /** How long a simulated task takes before its webhook is sent. */
  delayMs: number;
  logger: Logger;
  /** Re-sends of a webhook that did not get a 2xx, as real providers do. */
  maxDeliveryAttempts?: number;
}

type TaskRequest = ServiceRequest['video'] | ServiceRequest['lastFrame'] | ServiceRequest['stitch'];

/** A task's request, with the endpoint its callback goes to. */
export type TaskWork =
  | { endpoint: 'video-complete'; request: ServiceRequest['video'] }
  | { endpoint: 'last-frame-complete'; request: ServiceRequest['lastFrame'] }
  | { endpoint: 'stitch-complete'; request: ServiceRequest['stitch'] };

/**
 * The simulated services' tasks: one per Idempotency-Key (asked again, the same task), each completed
 * (or failed, lost, ...) after a delay by a correctly signed webhook, re-sent with backoff until a 2xx.
 */
export class SimulatedTasks {
  readonly webhooks: SentWebhook[] = [];
  private readonly byKey = new Map<string, SimulatedTask>();
  private readonly byId = new Map<string, SimulatedTask>();
  private readonly timers = new Set<NodeJS.Timeout>();
  private stopped = false;

  constructor(
    private readonly options: TaskOptions,
    /** Where the simulated media lives (the simulator's own URL). */
    private readonly mediaBase: () => string,
  ) {}

  find(service: ServiceName, key: string): SimulatedTask | undefined {
    return this.byKey.get(`${service}:${key}`);
  }

  create(service: ServiceName, key: string, prefix: string, id = `${prefix}_${randomBytes(8).toString('hex')}`): SimulatedTask {
    const task: SimulatedTask = { id, state: 'queued', withheld: false };
    this.byKey.set(`${service}:${key}`, task);
    this.byId.set(id, task);
    return task;
  }

  /** The task with this id (the latest, when a provider reused the id). */
  withId(id: string): SimulatedTask | undefined {
    return this.byId.get(id);
  }

  /** Asked again about a task: a callback that was never sent goes out now. */
  askedAgain(task: SimulatedTask): void {
    if (task.withheld && task.callback) {
      task.withheld = false;
      void this.send(task.callback.webhook, task.callback.body);
    }
  }

  /** Completes the task after the delay (at once with callbackFirst); settles once its callback is sent. */
  complete(endpoint: WebhookEndpointName, task: SimulatedTask, request: TaskRequest, behaviour: TaskBehaviour): Promise<void> {
    task.work = { endpoint, request } as TaskWork;
    if (behaviour.loseTask) {
      task.state = 'lost';
      return Promise.resolve();
    }
    const delay = behaviour.callbackFirst ? 0 : this.options.delayMs + (behaviour.extraDelayMs ?? 0);
    return this.later(delay, async () => {
      const failed = behaviour.fail !== undefined;
      const body = JSON.stringify(
        failed ? simulatedFailure(task.id, request, behaviour.fail!) : simulatedCallback(endpoint, task.id, request, this.mediaBase()),
      );
      task.state = failed ? 'failed' : 'completed';
      const sceneId = 'scene_id' in request ? request.scene_id : undefined;
      const webhook: SentWebhook = { endpoint, taskId: task.id, projectId: request.project_id, sceneId, url: request.webhook_url, attempts: 0, acknowledged: false };
      this.webhooks.push(webhook);
      task.callback = { webhook, body };
      if (behaviour.loseCallback) {
        task.withheld = true;
        return;
      }
      await this.send(webhook, body);
      if (behaviour.duplicate) await this.send({ ...webhook, attempts: 0 }, body);
    });
  }

  stop(): void {
    this.stopped = true;
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
  }

  private async send(webhook: SentWebhook, body: string): Promise<void> {
    const maxAttempts = this.options.maxDeliveryAttempts ?? 8;
    webhook.attempts += 1;
    try {
      const response = await fetch(webhook.url, {
        method: 'POST',
        headers: {
          'content-type': 'application/json',
          'user-agent': 'reelay-simulator/1',
          [signatureHeader]: signBody(this.options.secrets[webhook.endpoint], body),
        },
        body,
        signal: AbortSignal.timeout(10_000),
      });
      webhook.lastStatus = response.status;
      await response.arrayBuffer();
      if (response.ok) {
        webhook.acknowledged = true;
        webhook.acknowledgedAt = Date.now();
        return;
      }
    } catch (err) {
      this.options.logger.debug({ err, url: webhook.url }, 'simulator: webhook delivery failed');
    }
    if (webhook.attempts < maxAttempts && !this.stopped) {
      // The retry goes on by itself: this delivery attempt is over, and later() never rejects.
      void this.later(Math.min(200 * 2 ** webhook.attempts, 5_000), () => this.send(webhook, body));
    } else {
      this.options.logger.warn({ ...webhook }, 'simulator: gave up delivering a webhook');
    }
  }

  private later(ms: number, fn: () => Promise<void>): Promise<void> {
    return new Promise((resolve) => {
      const timer = setTimeout(() => {
        this.timers.delete(timer);
        fn().then(resolve, (err: unknown) => {
          this.options.logger.warn({ err }, 'simulator: a scheduled callback failed');
          resolve();
        });
      }, ms);
      this.timers.add(timer);
    });
  }
}

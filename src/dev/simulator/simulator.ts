import { randomBytes } from 'node:crypto';
import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Koa from 'koa';
import Router from '@koa/router';
import { koaBody } from 'koa-body';
import { z } from 'zod';
import type { ServiceName } from '../../platform/config';
import type { Logger } from '../../platform/logger';
import type { WebhookEndpointName } from '../../contracts/steps';
import { signatureHeader, signBody } from '../../contracts/webhooks';
import { simulatedCallback, simulatedFailure } from './callbacks';

/** What the simulator saw, so tests and ops can check exactly what Reelay sent. */
export interface RecordedRequest {
  service: ServiceName;
  path: string;
  authorization?: string;
  idempotencyKey?: string;
  body: Record<string, unknown>;
  at: number;
}

/** One webhook the simulator sent (or is still trying to send). */
export interface SentWebhook {
  endpoint: WebhookEndpointName;
  taskId: string;
  projectId: string;
  url: string;
  attempts: number;
  lastStatus?: number;
  acknowledged: boolean;
  /** When a 2xx came back (ms since the epoch). */
  acknowledgedAt?: number;
}

/**
 * How the simulated service treats one request. Undefined (or `{}`) means "succeed after the delay".
 * - `reject`: answer with this HTTP status instead of a task (an outage when 5xx);
 * - `fail`: create the task, then report it failed with this reason (no `error` field when empty);
 * - `loseTask`: create the task and forget it: no callback, and asked again it is `unknown`;
 * - `loseCallback`: complete the task but never send its callback, until asked again;
 * - `duplicate`: send the callback twice;
 * - `extraDelayMs`: complete later than usual (callbacks arrive out of order);
 * - `callbackFirst`: send the callback before answering the request, so it reaches the workflow
 *   before the activity that asked for the task has even returned;
 * - `taskId`: use this task id instead of a fresh one, as a provider that reuses ids does (a test
 *   service restarted, the guide's `test_123`).
 */
export interface TaskBehaviour {
  reject?: number;
  fail?: string;
  loseTask?: boolean;
  loseCallback?: boolean;
  duplicate?: boolean;
  extraDelayMs?: number;
  callbackFirst?: boolean;
  taskId?: string;
}

export interface BehaviourQuery {
  service: ServiceName;
  body: Record<string, unknown>;
  idempotencyKey: string;
  /** True when this Idempotency-Key was seen before (Reelay asking again about the same task). */
  known: boolean;
}

interface SimulatedTask {
  id: string;
  state: 'queued' | 'completed' | 'failed' | 'lost';
  /** The callback, once the task is done; kept for a re-send when it was never delivered. */
  callback?: { webhook: SentWebhook; body: string };
  withheld: boolean;
}

export interface SimulatorOptions {
  /** The secret each webhook is signed with (the first of the endpoint's active secrets). */
  secrets: Record<WebhookEndpointName, string>;
  /** How long a simulated task takes before its webhook is sent. */
  delayMs: number;
  logger: Logger;
  /** Re-sends of a webhook that did not get a 2xx, as real providers do. */
  maxDeliveryAttempts?: number;
}

const taskRequest = {
  video: z.object({
    project_id: z.string(),
    scene_id: z.string(),
    scene_index: z.number().int().min(0),
    prompt: z.string().min(1),
    duration: z.number().positive().nullable().optional(),
    start_frame_url: z.string().nullable(),
    webhook_url: z.url(),
  }),
  lastFrame: z.object({
    project_id: z.string(),
    scene_id: z.string(),
    video_url: z.url(),
    webhook_url: z.url(),
  }),
  stitch: z.object({
    project_id: z.string(),
    scenes: z.array(z.object({ scene_id: z.string(), video_url: z.url() })).min(1),
    webhook_url: z.url(),
  }),
  notification: z.object({
    project_id: z.string(),
    user_id: z.string().nullable(),
    type: z.string(),
    final_video_url: z.string().nullable(),
    thumbnail_url: z.string().nullable(),
  }),
};

export type SimulatedTaskRequest = {
  [K in keyof typeof taskRequest]: z.infer<(typeof taskRequest)[K]>;
};

const routes: { service: ServiceName; path: string; endpoint?: WebhookEndpointName; prefix: string }[] = [
  { service: 'video', path: '/api/tasks', endpoint: 'video-complete', prefix: 'vid' },
  { service: 'lastFrame', path: '/api/extract', endpoint: 'last-frame-complete', prefix: 'frm' },
  { service: 'stitch', path: '/api/stitch', endpoint: 'stitch-complete', prefix: 'stc' },
  { service: 'notification', path: '/api/notifications', prefix: 'ntf' },
];

/**
 * Stands in for the video, last-frame, stitch and notification services: accepts their requests at
 * the real paths, answers with task ids (the same one for a repeated Idempotency-Key, as a real
 * provider would), and after `delayMs` POSTs a correctly signed webhook to the `webhook_url` given,
 * re-sending with backoff until it gets a 2xx.
 */
export class ServiceSimulator {
  readonly requests: RecordedRequest[] = [];
  readonly webhooks: SentWebhook[] = [];
  private readonly tasksByKey = new Map<string, SimulatedTask>();
  readonly registrations: { url: string; events: string[]; secretSet: boolean; authorization?: string }[] = [];
  private readonly timers = new Set<NodeJS.Timeout>();
  private server?: Server;
  private baseUrl = '';
  /** Tests and demos steer failures through this; by default every task succeeds. */
  behaviour: (query: BehaviourQuery) => TaskBehaviour | undefined = () => undefined;

  constructor(private readonly options: SimulatorOptions) {}

  get url(): string {
    return this.baseUrl;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const app = new Koa();
    app.silent = true;
    const router = new Router();
    for (const route of routes) {
      router.post(route.path, koaBody({ jsonLimit: '1mb' }), async (ctx) => {
        const key = ctx.get('idempotency-key');
        if (!key) {
          ctx.status = 400;
          ctx.body = { error: 'missing Idempotency-Key header' };
          return;
        }
        const parsed = taskRequest[route.service].safeParse(ctx.request.body);
        if (!parsed.success) {
          ctx.status = 422;
          ctx.body = { error: 'invalid request', issues: parsed.error.issues };
          return;
        }
        const body = parsed.data as Record<string, unknown>;
        this.requests.push({
          service: route.service,
          path: route.path,
          authorization: ctx.get('authorization') || undefined,
          idempotencyKey: key,
          body,
          at: Date.now(),
        });
        const known = this.tasksByKey.get(`${route.service}:${key}`);
        const behaviour = this.behaviour({ service: route.service, body, idempotencyKey: key, known: Boolean(known) }) ?? {};
        if (behaviour.reject) {
          ctx.status = behaviour.reject;
          ctx.body = { error: `simulated ${behaviour.reject}` };
          return;
        }
        if (!route.endpoint) {
          ctx.body = { id: known?.id ?? this.newTask(route.service, key, route.prefix, behaviour.taskId).id, status: 'sent' };
          return;
        }
        if (known) {
          // Asked again about the same task: say how it is, and re-send a callback that never went out.
          if (known.withheld && known.callback) {
            known.withheld = false;
            void this.send(known.callback.webhook, known.callback.body);
          }
          ctx.body = { task_id: known.id, status: known.state === 'lost' ? 'unknown' : known.state };
          return;
        }
        const task = this.newTask(route.service, key, route.prefix, behaviour.taskId);
        const scheduled = this.schedule(route.endpoint, task, body as never, behaviour);
        if (behaviour.callbackFirst) await scheduled;
        ctx.status = 202;
        ctx.body = { task_id: task.id, status: 'queued' };
      });
    }
    // Webhook registration, as the seed's services offer it: idempotent on (url, events).
    router.post('/api/webhooks/register', koaBody({ jsonLimit: '64kb' }), (ctx) => {
      const parsed = z.object({ url: z.url(), events: z.array(z.string()).min(1), secret: z.string().min(1) }).safeParse(ctx.request.body);
      if (!parsed.success) {
        ctx.status = 422;
        ctx.body = { error: 'invalid registration', issues: parsed.error.issues };
        return;
      }
      const { url, events } = parsed.data;
      const existing = this.registrations.find((r) => r.url === url && r.events.join() === events.join());
      if (!existing) this.registrations.push({ url, events, secretSet: true, authorization: ctx.get('authorization') || undefined });
      ctx.status = existing ? 200 : 201;
      ctx.body = { url, events, status: existing ? 'already_registered' : 'registered' };
    });
    router.get('/health', (ctx) => {
      ctx.body = { status: 'ok', simulator: true };
    });
    app.use(router.routes()).use(router.allowedMethods());

    this.server = app.listen(port, host);
    await new Promise<void>((resolve, reject) => {
      this.server!.once('listening', resolve).once('error', reject);
    });
    const address = this.server.address() as AddressInfo;
    this.baseUrl = `http://${host}:${address.port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    this.timers.clear();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
      this.server = undefined;
    }
  }

  /** Requests received by one service, oldest first. */
  requestsTo(service: ServiceName): RecordedRequest[] {
    return this.requests.filter((r) => r.service === service);
  }

  private newTask(service: ServiceName, key: string, prefix: string, id = `${prefix}_${randomBytes(8).toString('hex')}`): SimulatedTask {
    const task: SimulatedTask = { id, state: 'queued', withheld: false };
    this.tasksByKey.set(`${service}:${key}`, task);
    return task;
  }

  /** Completes the task after the delay (at once with callbackFirst); settles once its callback is sent. */
  private schedule(endpoint: WebhookEndpointName, task: SimulatedTask, request: { webhook_url: string; project_id: string }, behaviour: TaskBehaviour): Promise<void> {
    if (behaviour.loseTask) {
      task.state = 'lost';
      return Promise.resolve();
    }
    const delay = behaviour.callbackFirst ? 0 : this.options.delayMs + (behaviour.extraDelayMs ?? 0);
    return this.later(delay, async () => {
      const body = JSON.stringify(
        behaviour.fail !== undefined
          ? simulatedFailure(task.id, request, behaviour.fail)
          : simulatedCallback(endpoint, task.id, request as never, this.baseUrl),
      );
      task.state = behaviour.fail !== undefined ? 'failed' : 'completed';
      const webhook: SentWebhook = {
        endpoint,
        taskId: task.id,
        projectId: request.project_id,
        url: request.webhook_url,
        attempts: 0,
        acknowledged: false,
      };
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
    if (webhook.attempts < maxAttempts && this.server) {
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

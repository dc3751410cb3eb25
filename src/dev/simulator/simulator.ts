import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { koaBody } from 'koa-body';
import { z } from 'zod';
import { serviceNames, servicePaths, serviceRequests, type ServiceName, type ServiceRequest } from '../../contracts/services';
import { stepNames, type WebhookEndpointName } from '../../contracts/steps';
import { serveMedia } from './media/media-routes';
import { SimulatorMedia } from './media/media-store';
import { SimulatedTasks, type TaskBehaviour, type TaskOptions } from './simulated-tasks';

export type { SentWebhook, TaskBehaviour } from './simulated-tasks';

/** What the simulator saw, so tests and ops can check exactly what Reelay sent. */
export interface RecordedRequest {
  service: ServiceName;
  path: string;
  authorization?: string;
  idempotencyKey?: string;
  body: Record<string, unknown>;
  at: number;
}

export interface BehaviourQuery {
  service: ServiceName;
  body: Record<string, unknown>;
  idempotencyKey: string;
  /** True when this Idempotency-Key was seen before (Reelay asking again about the same task). */
  known: boolean;
}

export interface SimulatorOptions extends TaskOptions {
  /** The ffmpeg to render media with; FFMPEG_PATH, else the first found, when not given. */
  ffmpegPath?: string;
}

/** Task id prefixes, as the services' examples show them. */
const taskPrefix: Record<ServiceName, string> = { video: 'vid', lastFrame: 'frm', stitch: 'stc', notification: 'ntf' };

const registration = z.object({ url: z.url(), events: z.array(z.string()).min(1), secret: z.string().min(1) });

/**
 * Stands in for the video, last-frame, stitch and notification services: accepts their requests at
 * the real paths (validated by the same schemas Reelay sends them with), answers with task ids (the
 * same one for a repeated Idempotency-Key, as a real provider would), and after `delayMs` POSTs a
 * correctly signed webhook to the `webhook_url` given, re-sending with backoff until it gets a 2xx.
 * The media its callbacks name are served under `/media/`, made on first request (see media/).
 */
export class ServiceSimulator {
  readonly requests: RecordedRequest[] = [];
  readonly registrations: { url: string; events: string[]; secretSet: boolean; authorization?: string }[] = [];
  private readonly tasks: SimulatedTasks;
  readonly media: SimulatorMedia;
  private server?: Server;
  private readonly logger: SimulatorOptions['logger'];
  private baseUrl = '';
  private allowedHosts = new Set<string>();
  /** Tests and demos steer failures through this; by default every task succeeds. */
  behaviour: (query: BehaviourQuery) => TaskBehaviour | undefined = () => undefined;

  constructor(options: SimulatorOptions) {
    this.tasks = new SimulatedTasks(options, () => this.baseUrl);
    this.media = new SimulatorMedia({
      work: (taskId) => {
        const task = this.tasks.withId(taskId);
        return task?.state === 'completed' ? task.work : undefined;
      },
      baseUrl: () => this.baseUrl,
      ffmpegPath: options.ffmpegPath,
    });
    this.logger = options.logger;
  }

  get url(): string {
    return this.baseUrl;
  }

  /** Every webhook sent (or still being sent), oldest first. */
  get webhooks() {
    return this.tasks.webhooks;
  }

  async start(port = 0, host = '127.0.0.1'): Promise<string> {
    const app = new Koa();
    app.silent = true;
    app.use(this.ownHostOnly());
    const router = new Router();
    for (const service of serviceNames) {
      router.post(servicePaths[service], koaBody({ jsonLimit: '1mb' }), async (ctx) => {
        const key = ctx.get('idempotency-key');
        if (!key) {
          ctx.status = 400;
          ctx.body = { error: 'missing Idempotency-Key header' };
          return;
        }
        const parsed = serviceRequests[service].safeParse(ctx.request.body);
        if (!parsed.success) {
          ctx.status = 422;
          ctx.body = { error: 'invalid request', issues: parsed.error.issues };
          return;
        }
        const body = parsed.data as Record<string, unknown>;
        const authorization = ctx.get('authorization') || undefined;
        this.requests.push({ service, path: servicePaths[service], authorization, idempotencyKey: key, body, at: Date.now() });
        const known = this.tasks.find(service, key);
        const behaviour = this.behaviour({ service, body, idempotencyKey: key, known: Boolean(known) }) ?? {};
        if (behaviour.holdUntil) await behaviour.holdUntil.catch(() => undefined);
        if (behaviour.reject) {
          ctx.status = behaviour.reject;
          ctx.body = behaviour.rejectBody ?? { error: `simulated ${behaviour.reject}` };
          return;
        }
        if (behaviour.redirect) {
          ctx.status = 303;
          ctx.redirect(behaviour.redirect);
          return;
        }
        if (service === 'notification') {
          ctx.body = { id: known?.id ?? this.tasks.create(service, key, taskPrefix[service], behaviour.taskId).id, status: 'sent' };
          return;
        }
        if (known) {
          // Asked again about the same task: say how it is, and re-send a callback that never went out.
          this.tasks.askedAgain(known);
          ctx.body = { task_id: known.id, status: known.state === 'lost' ? 'unknown' : known.state };
          return;
        }
        const task = this.tasks.create(service, key, taskPrefix[service], behaviour.taskId);
        const endpoint: WebhookEndpointName = stepNames[service].endpoint;
        const completing = this.tasks.complete(endpoint, task, parsed.data as ServiceRequest[typeof service], behaviour);
        if (behaviour.callbackFirst) await completing;
        ctx.status = 202;
        ctx.body = { task_id: task.id, status: 'queued' };
      });
    }
    // Webhook registration, as the seed's services offer it: idempotent on (url, events).
    router.post('/api/webhooks/register', koaBody({ jsonLimit: '64kb' }), (ctx) => {
      const parsed = registration.safeParse(ctx.request.body);
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
    router.get('/media/:kind/:file', serveMedia(this.media, this.logger));
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
    this.allowedHosts = new Set([host, '127.0.0.1', 'localhost', '[::1]'].map((name) => `${name}:${address.port}`));
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    this.tasks.stop();
    if (this.server) {
      this.server.closeAllConnections();
      await new Promise<void>((resolve) => this.server!.close(() => resolve()));
      this.server = undefined;
    }
    await this.media.stop();
  }

  /**
   * Answers only requests addressed to this simulator by a local name: a web page whose own host name
   * resolves to 127.0.0.1 (DNS rebinding) reaches the port, but with its name in Host, and gets a 403.
   */
  private ownHostOnly(): Koa.Middleware {
    return async (ctx, next) => {
      if (!this.allowedHosts.has(ctx.get('host').toLowerCase())) {
        ctx.status = 403;
        ctx.body = { error: 'host_not_allowed', message: `The simulator answers requests to ${[...this.allowedHosts].join(', ')} only` };
        return;
      }
      await next();
    };
  }

  /** Requests received by one service, oldest first. */
  requestsTo(service: ServiceName): RecordedRequest[] {
    return this.requests.filter((r) => r.service === service);
  }
}

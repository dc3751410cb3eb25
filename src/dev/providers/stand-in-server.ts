import type { Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import Router from '@koa/router';
import Koa from 'koa';
import { StandInVideos } from './stand-in-videos';

/** What every provider's stand-in is told. */
export interface StandInOptions {
  /** How long a task takes before it finishes (and its webhook, if any, is sent). */
  taskMs?: number;
  /** Instead of `taskMs`: each task takes a duration drawn evenly from this range (the caps bench: 2-5 s). */
  taskMsRange?: [number, number];
  /** How long the links to a finished task's outputs work. */
  outputTtlMs?: number;
  /** Tasks whose prompt matches fail, with the provider's own failure shape. */
  failPrompts?: RegExp;
  /** Past this many unfinished tasks a submit is refused with 429, as a provider's concurrency limit does (unlimited when absent). */
  maxRunning?: number;
  /**
   * Called once the stand-in has accepted a task, before it answers: the kill-after-submit measurement
   * kills the worker here, so the provider has the task and Reelay never heard its id.
   */
  onSubmit?: (task: StandInTask) => void | Promise<void>;
}

/** A task as the stand-in saw it: what was asked, and what became of it. */
export interface StandInTask {
  id: string;
  model: string;
  prompt: string;
  startFrameUrl: string | null;
  /** Everything the request carried, as sent. */
  request: Record<string, unknown>;
  createdAt: Date;
  /** When it finished (succeeded or failed), by the stand-in's clock: the caps bench measures hand-overs from it. */
  finishedAt?: Date;
  state: 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
  videoUrl?: string;
  thumbnailUrl?: string;
  error?: string;
  /** Webhook deliveries attempted for the task (each retry counts). */
  deliveries: number;
  /** When a delivery of its webhook was first answered 2xx (the caps bench times the gateway's side of a hand-over with it). */
  webhookAnsweredAt?: Date;
}

/**
 * The common part of the providers' stand-ins: a Koa server on 127.0.0.1, the tasks it accepted (tests
 * count them: "the provider saw one task"), and the expiring video links of finished tasks.
 */
export class StandInServer {
  readonly tasks = new Map<string, StandInTask>();
  /** Submits refused with 429 because `maxRunning` tasks already ran (tests of Reelay's caps count them: none). */
  busyRefusals = 0;
  /** The most tasks ever unfinished at once, counted at each accept. */
  mostRunning = 0;
  readonly videos: StandInVideos;
  readonly router = new Router();
  private server?: Server;
  private baseUrl = '';
  private readonly timers = new Set<NodeJS.Timeout>();

  constructor(readonly options: StandInOptions) {
    this.videos = new StandInVideos(() => this.baseUrl, options.outputTtlMs ?? 3_600_000);
    this.videos.route(this.router);
  }

  /** Tasks accepted and not yet finished (what `maxRunning` counts). */
  unfinished(): number {
    let count = 0;
    for (const task of this.tasks.values()) if (task.state === 'queued' || task.state === 'running') count += 1;
    return count;
  }

  get url(): string {
    return this.baseUrl;
  }

  async start(port = 0): Promise<string> {
    const app = new Koa();
    app.use(this.router.routes()).use(this.router.allowedMethods());
    this.server = app.listen(port, '127.0.0.1');
    await new Promise((resolve, reject) => this.server!.once('listening', resolve).once('error', reject));
    this.baseUrl = `http://127.0.0.1:${(this.server.address() as AddressInfo).port}`;
    return this.baseUrl;
  }

  async stop(): Promise<void> {
    for (const timer of this.timers) clearTimeout(timer);
    await new Promise<void>((resolve) => (this.server ? this.server.close(() => resolve()) : resolve()));
    this.server?.closeAllConnections();
    await this.videos.stop();
  }

  /** True when `maxRunning` unfinished tasks already run: the stand-in answers a new one with 429. */
  full(): boolean {
    const limit = this.options.maxRunning;
    const full = limit !== undefined && this.unfinished() >= limit;
    if (full) this.busyRefusals += 1;
    return full;
  }

  /** Records a new task, tells `onSubmit`, and schedules its end after `taskMs`. */
  async accept(task: Omit<StandInTask, 'createdAt' | 'state' | 'deliveries'>, finished: (task: StandInTask) => void): Promise<StandInTask> {
    const accepted: StandInTask = { ...task, createdAt: new Date(), state: 'queued', deliveries: 0 };
    this.tasks.set(accepted.id, accepted);
    this.mostRunning = Math.max(this.mostRunning, this.unfinished());
    await this.options.onSubmit?.(accepted);
    const range = this.options.taskMsRange;
    const taskMs = range ? range[0] + Math.random() * (range[1] - range[0]) : (this.options.taskMs ?? 1_000);
    this.later(Math.min(50, taskMs), () => accepted.state === 'queued' && (accepted.state = 'running'));
    this.later(taskMs, () => {
      if (accepted.state !== 'queued' && accepted.state !== 'running') return;
      if (this.options.failPrompts?.test(accepted.prompt)) {
        Object.assign(accepted, { state: 'failed', error: 'The model could not generate this video (stand-in failure)' });
      } else {
        Object.assign(accepted, { state: 'succeeded' }, this.videos.publish(accepted.id, accepted));
      }
      accepted.finishedAt = new Date();
      finished(accepted);
    });
    return accepted;
  }

  /** Runs `action` after `ms`, unless the stand-in stops first. */
  later(ms: number, action: () => unknown): void {
    const timer = setTimeout(() => {
      this.timers.delete(timer);
      void Promise.resolve().then(action).catch(() => undefined);
    }, ms);
    this.timers.add(timer);
  }

  /**
   * POSTs a webhook as a provider does: again after each delay in `retryDelaysMs` until a 2xx. Headers are
   * made per attempt (a fresh signed timestamp, as Standard Webhooks senders do).
   */
  deliver(task: StandInTask, url: string, body: string, headers: () => Record<string, string>, retryDelaysMs: readonly number[]): void {
    const attempt = async (n: number): Promise<void> => {
      task.deliveries += 1;
      const answer = await fetch(url, { method: 'POST', body, headers: { 'content-type': 'application/json', ...headers() }, redirect: 'manual' }).catch(() => undefined);
      if (answer?.ok) task.webhookAnsweredAt ??= new Date();
      if (answer?.ok || n >= retryDelaysMs.length) return;
      this.later(retryDelaysMs[n], () => attempt(n + 1));
    };
    void attempt(0);
  }
}

/** A running stand-in, and the variables that point Reelay at it (base URL, key, webhook secret). */
export interface ProviderStandIn {
  server: StandInServer;
  env: Record<string, string>;
  stop(): Promise<void>;
}

export type StandInStarter = (options: StandInOptions) => Promise<ProviderStandIn>;

import type { Completion, ProviderCost, ProviderName } from '../contracts/providers';

/**
 * The one contract every video provider's adapter meets (one file per provider beside this one). The
 * activities submit, poll and cancel through it; the gateway verifies a provider's webhooks through it;
 * the workflow never sees it. Adapters speak through the provider's official npm client where one
 * exists, each with a configurable base URL (regional endpoints, proxies, the tests' stand-ins), and
 * know nothing of Temporal: a failed call is a ProviderCallError, which the activity translates.
 */
export interface VideoProviderAdapter {
  readonly name: ProviderName;
  /** `poll` for providers without webhooks (Runway): an activity watches the task until it ends. */
  readonly completion: Completion;
  /** The model used when neither the project nor the scene names one (configurable, see docs/providers.md). */
  readonly defaultModel: string;
  /**
   * Problems with a project's (or scene's) choice, each beginning with the field it names and a colon
   * (`model: …`, `options.<name>: …`, `start_image_url: …`) and saying what to do: an empty list when
   * the adapter can make the scene. `hasStartFrame` is false only
   * for the first scene of a project without an opening image: a model that needs one says so here.
   */
  validate(choice: { model: string; options: Record<string, unknown>; hasStartFrame: boolean }): string[];
  /** Starts one task. The provider accepted it when this resolves; nothing of Reelay's state is written here. */
  submit(request: SubmitRequest): Promise<{ taskId: string }>;
  /**
   * A task this fingerprint already started, if the provider can list recent tasks with what they were
   * given (Replicate's predictions, Luma's generations): how a retried submit avoids paying twice.
   * Absent for providers that cannot tell.
   */
  findSubmitted?(fingerprint: string, since: Date): Promise<string | undefined>;
  /**
   * The task as the provider sees it now (polling, and Luma's confirmation of an unsigned callback).
   * `model` is the model the task was submitted with: fal finds a request only under its model's app
   * (`/{owner}/{alias}/requests/{id}`), and its webhooks name only the request id.
   */
  getTask(taskId: string, model?: string): Promise<ProviderTask>;
  /** Stops the task (and its bill) where the provider allows it; resolves when there is nothing to stop. */
  cancel(taskId: string, model?: string): Promise<void>;
  /**
   * Checks a webhook delivery on the provider's own route and reads the task it reports. Absent for
   * providers that do not call back (completion `poll`).
   */
  verifyWebhook?(delivery: WebhookDelivery): Promise<WebhookVerdict>;
}

export interface SubmitRequest {
  model: string;
  prompt: string;
  /** Seconds of video wanted; the model's default when absent. */
  durationSeconds?: number;
  /** The previous scene's last frame, or the project's opening image; null for a text-to-video start. */
  startFrameUrl: string | null;
  /** Model inputs the project or scene gave, passed through after validate() accepted them. */
  options: Record<string, unknown>;
  /** Where the provider posts its completion (webhook providers): Reelay's route for this scene. */
  callbackUrl?: string;
  /**
   * Unique to the scene and attempt (`<project>/<scene>/<n>`): put wherever the provider keeps it with
   * the task (the callback URL's query, metadata, an input the model ignores), for findSubmitted.
   */
  fingerprint: string;
}

export type TaskState = 'queued' | 'running' | 'succeeded' | 'failed' | 'cancelled';
export const finishedStates: ReadonlySet<TaskState> = new Set(['succeeded', 'failed', 'cancelled']);

export interface ProviderTask {
  id: string;
  state: TaskState;
  /** When `succeeded`: the video (the provider's link, which may expire). */
  videoUrl?: string;
  thumbnailUrl?: string;
  /** When `failed` or `cancelled`: the provider's reason, as it gave it. */
  error?: string;
  /** What the task cost or used, when the provider says. */
  cost?: ProviderCost;
  /** Where a wait is worth reporting (Runway's THROTTLED, a queue position): the provider's own word. */
  providerStatus?: string;
}

export interface WebhookDelivery {
  /** Reads a request header, case-insensitively. */
  header(name: string): string | undefined;
  /** The exact bytes received. */
  rawBody: Buffer;
  /** The query of the URL the provider called (the callbackUrl Reelay gave it). */
  query: URLSearchParams;
}

export type WebhookVerdict =
  | {
      ok: true;
      /** The provider's id of this delivery (a replay carries the same id), or a digest of the body. */
      deliveryId: string;
      task: ProviderTask;
    }
  | { ok: false; reason: WebhookRefusal; message: string };

/** 401 for every reason but `malformed` (400). */
export type WebhookRefusal = 'missing_signature' | 'invalid_signature' | 'timestamp_out_of_tolerance' | 'unconfirmed' | 'malformed';

/**
 * A call to the provider failed. `retryable` says whether asking again can help (a 5xx, a timeout, a
 * network error, a 429); a refusal (4xx) is not. `status` and `answer` are for operators, never users.
 */
export class ProviderCallError extends Error {
  constructor(
    message: string,
    readonly retryable: boolean,
    readonly detail: { status?: number; answer?: string; retryAfterMs?: number; url?: string } = {},
  ) {
    super(message);
    this.name = 'ProviderCallError';
  }

  /** Translates whatever an official client threw: its HTTP status when it has one. */
  static from(provider: ProviderName, err: unknown, url?: string): ProviderCallError {
    if (err instanceof ProviderCallError) return err;
    const status = statusOf(err);
    const retryable = status === undefined || status >= 500 || status === 408 || status === 429;
    const what = status === undefined ? 'could not be reached' : `answered ${status}`;
    return new ProviderCallError(`${provider} ${what}`, retryable, { status, answer: errorText(err), url });
  }
}

function statusOf(err: unknown): number | undefined {
  const e = err as { status?: unknown; response?: { status?: unknown } } | undefined;
  const status = typeof e?.status === 'number' ? e.status : typeof e?.response?.status === 'number' ? e.response.status : undefined;
  return status;
}

const errorText = (err: unknown) => (err instanceof Error ? err.message : String(err)).slice(0, 300);

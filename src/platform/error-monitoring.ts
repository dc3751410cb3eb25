import type { ErrorEvent, SeverityLevel } from '@sentry/node';
import type { Severity } from '../contracts/statuses';
import type { Config } from './config';
import { packageVersion } from './project-root';
import { scrubSecrets, scrubText } from './redaction';

/*
 * Optional error monitoring with Sentry (SENTRY_DSN): unexpected errors of the gateway and the worker,
 * and error-log entries of severity error or critical. The SDK (30 MiB, and about a second to load) is
 * loaded only when a DSN is configured; until then every capture is a no-op.
 */

type Sentry = typeof import('@sentry/node');

/** The SDK while monitoring is on. */
let sentry: Sentry | undefined;

/** Sentry.close() leaves its process handlers installed, still exiting on an unhandled rejection: they go too. */
const processEvents = ['uncaughtException', 'unhandledRejection'];
const processEmitter: NodeJS.EventEmitter = process;
let installedHandlers: { event: string; listener: (...args: unknown[]) => void }[] = [];

/** What the logs say about an error (request, project, scene, endpoint, task …); never a secret or a raw body. */
export type ErrorContext = Readonly<Record<string, unknown>>;

/** Context that becomes searchable tags; the whole context goes along as extra data. */
const taggedKeys = ['requestId', 'projectId', 'sceneId', 'endpoint', 'taskId', 'activityType', 'workflowId'];

/** An error-log row as src/storage/error-log.ts writes it. */
export interface ErrorLogEntry {
  /** The guide's category. */
  type: string;
  code: string;
  severity: Severity;
  message: string;
  context?: ErrorContext;
}

/** Severities worth an alert; warnings and info stay in the error log. */
const reportedSeverities: Partial<Record<Severity, SeverityLevel>> = { error: 'error', critical: 'fatal' };

/**
 * Starts reporting when SENTRY_DSN is set (returns whether it did). Errors only: no tracing (that is
 * OpenTelemetry's, src/platform/tracing.ts), so no OpenTelemetry setup, no HTTP or console
 * instrumentation and no breadcrumbs, which could carry request headers or printed secrets.
 */
export function initErrorMonitoring(config: Pick<Config, 'errorMonitoring'>, { service }: { service: string }): boolean {
  if (!config.errorMonitoring || sentry) return Boolean(sentry);
  // Its CommonJS build, like the rest of the process: import() would load the ESM one, 15 MiB heavier.
  // eslint-disable-next-line @typescript-eslint/no-require-imports
  const sdk = require('@sentry/node') as Sentry;
  const before = new Map(processEvents.map((event) => [event, processEmitter.listeners(event)]));
  sdk.init({
    dsn: config.errorMonitoring.dsn,
    environment: config.errorMonitoring.environment,
    release: `reelay@${packageVersion}`,
    initialScope: { tags: { service } },
    skipOpenTelemetrySetup: true,
    registerEsmLoaderHooks: false,
    tracesSampleRate: undefined,
    defaultIntegrations: false,
    integrations: [
      sdk.linkedErrorsIntegration(), // an error's `cause`
      sdk.dedupeIntegration(),
      sdk.onUncaughtExceptionIntegration(),
      // Reported, then the process exits as Node's default would have: a handler alone would keep it alive.
      sdk.onUnhandledRejectionIntegration({ mode: 'strict' }),
      sdk.contextLinesIntegration(),
      sdk.nodeContextIntegration(),
    ],
    maxBreadcrumbs: 0,
    sendDefaultPii: false,
    beforeSend: withoutSecrets,
  });
  installedHandlers = processEvents.flatMap((event) =>
    processEmitter
      .listeners(event)
      .filter((listener) => !before.get(event)!.includes(listener))
      .map((listener) => ({ event, listener: listener as (...args: unknown[]) => void })),
  );
  sentry = sdk;
  return true;
}

/** Reports an unexpected error (a 500, an activity's bug, a crash) with what the logs say about it. */
export function captureError(err: unknown, context: ErrorContext = {}, level: 'error' | 'fatal' = 'error'): void {
  sentry?.captureException(err, { level, tags: tagsOf(context), extra: { ...context } });
}

/**
 * Reports an error-log entry of severity error or critical, grouped by category and code (the message
 * names a scene or a project; the failure is the same).
 */
export function captureErrorLogEntry({ type, code, severity, message, context = {} }: ErrorLogEntry): void {
  const level = reportedSeverities[severity];
  if (!sentry || !level) return;
  sentry.captureMessage(message, {
    level,
    fingerprint: ['error-log', type, code],
    tags: { ...tagsOf(context), category: type, code, severity },
    extra: { ...context },
  });
}

/** Sends what is queued (waiting at most `timeoutMs`) and stops reporting: on shutdown, and after a test. */
export async function closeErrorMonitoring(timeoutMs = 2000): Promise<void> {
  const sdk = sentry;
  if (!sdk) return;
  sentry = undefined;
  await sdk.close(timeoutMs);
  for (const { event, listener } of installedHandlers) processEmitter.removeListener(event, listener);
  installedHandlers = [];
  sdk.getCurrentScope().clear().setClient(undefined);
}

function tagsOf(context: ErrorContext): Record<string, string> {
  const tags: Record<string, string> = {};
  for (const key of taggedKeys) {
    const value = context[key];
    if (typeof value === 'string' || typeof value === 'number') tags[key] = String(value);
  }
  return tags;
}

/** The last stop before an event leaves: no request, user or breadcrumbs, and credentials scrubbed from every text. */
function withoutSecrets(event: ErrorEvent): ErrorEvent {
  delete event.request;
  delete event.user;
  delete event.breadcrumbs;
  if (event.message) event.message = scrubText(event.message);
  for (const exception of event.exception?.values ?? []) {
    if (exception.value) exception.value = scrubText(exception.value);
    for (const frame of exception.stacktrace?.frames ?? []) {
      // The source lines around each frame (contextLinesIntegration) are code, and code can hold a URL with a password.
      if (frame.context_line) frame.context_line = scrubText(frame.context_line);
      frame.pre_context = frame.pre_context?.map(scrubText);
      frame.post_context = frame.post_context?.map(scrubText);
    }
  }
  if (event.extra) event.extra = scrubSecrets(event.extra) as ErrorEvent['extra'];
  if (event.tags) event.tags = scrubSecrets(event.tags) as ErrorEvent['tags'];
  return event;
}

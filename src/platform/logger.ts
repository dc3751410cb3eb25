import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import pinoPretty from 'pino-pretty';
import { scrubSecrets, scrubText } from './redaction';
import { activeTraceIds } from './tracing';

export type { Logger };

export interface LoggerOptions {
  level: LevelWithSilent;
  name?: string;
  /** Also (or instead, with consoleLevel 'silent') write every line to this file. */
  file?: string;
  /** What reaches stdout when a file is given; by default everything the logger emits. */
  consoleLevel?: LevelWithSilent;
  /** Human-readable lines on stdout (pino-pretty, `npm run dev`) rather than JSON; files stay JSON. */
  pretty?: boolean;
}

/** stdout for people: one coloured line per entry, its fields indented below it. */
function prettyStdout(): pino.DestinationStream {
  return pinoPretty({ colorize: Boolean(process.stdout.isTTY), translateTime: 'SYS:HH:MM:ss.l', ignore: 'pid,hostname', sync: true });
}

/** Errors are logged by type, message and code, credentials scrubbed: stack traces stay out of log lines. */
function errorWithoutStack(err: unknown) {
  if (!(err instanceof Error)) return { message: scrubText(String(err)) };
  const { code, status } = err as { code?: unknown; status?: unknown };
  const cause = err.cause instanceof Error ? scrubText(err.cause.message) : undefined;
  return { type: err.name, message: scrubText(err.message), ...(code ? { code } : {}), ...(status ? { status } : {}), ...(cause ? { cause } : {}) };
}

/**
 * A line's fields with credentials scrubbed (redaction.ts): by key name at any depth, and inside any
 * text, e.g. a service URL with `user:password@` or `?api_key=`. Errors are left to their serializer.
 */
function scrubFields(fields: Record<string, unknown>): Record<string, unknown> {
  const errors = Object.entries(fields).filter(([, value]) => value instanceof Error);
  const rest = Object.fromEntries(Object.entries(fields).filter(([, value]) => !(value instanceof Error)));
  return { ...(scrubSecrets(rest) as Record<string, unknown>), ...Object.fromEntries(errors) };
}

/**
 * Structured JSON logs. Secrets never reach a log line: webhook secrets, API keys and signatures are
 * redacted under these keys, and credentials are scrubbed from the message and every field's text.
 */
export function createLogger({ level, name = 'reelay', file, consoleLevel = 'trace', pretty = false }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    serializers: { err: errorWithoutStack },
    // The message is text like any other: `Calling https://user:pass@host` must not reach a log line as written.
    hooks: {
      logMethod(args, method) {
        method.apply(this, args.map((arg) => (typeof arg === 'string' ? scrubText(arg) : arg)) as Parameters<typeof method>);
      },
    },
    formatters: { log: scrubFields },
    // A line written inside a span (with tracing on) carries its trace_id and span_id.
    mixin: activeTraceIds,
    redact: {
      paths: [
        'secret',
        '*.secret',
        'apiKey',
        '*.apiKey',
        'headers.authorization',
        '*.headers.authorization',
        'headers["x-webhook-signature"]',
        '*.headers["x-webhook-signature"]',
      ],
      censor: '[redacted]',
    },
  };
  if (level === 'silent') return pino(options);
  if (!file) return pretty ? pino(options, prettyStdout()) : pino(options);
  mkdirSync(path.dirname(file), { recursive: true });
  // The file takes whatever the logger (or a child with its own level, like DEBUG=webhooks:*) emits.
  const streams: pino.StreamEntry[] = [{ level: 'trace', stream: pino.destination({ dest: file, sync: false }) }];
  if (consoleLevel !== 'silent') streams.push({ level: consoleLevel, stream: pretty ? prettyStdout() : process.stdout });
  return pino(options, pino.multistream(streams));
}

import { mkdirSync } from 'node:fs';
import path from 'node:path';
import pino, { type Logger, type LevelWithSilent } from 'pino';
import pinoPretty from 'pino-pretty';
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

/** Errors are logged by type, message and code: stack traces stay out of log lines. */
function errorWithoutStack(err: unknown) {
  if (!(err instanceof Error)) return { message: String(err) };
  const { code, status } = err as { code?: unknown; status?: unknown };
  const cause = err.cause instanceof Error ? err.cause.message : undefined;
  return { type: err.name, message: err.message, ...(code ? { code } : {}), ...(status ? { status } : {}), ...(cause ? { cause } : {}) };
}

/**
 * Structured JSON logs. Secrets never reach a log line: webhook secrets, API keys and signatures are
 * redacted wherever they appear under these keys.
 */
export function createLogger({ level, name = 'reelay', file, consoleLevel = 'trace', pretty = false }: LoggerOptions): Logger {
  const options: pino.LoggerOptions = {
    name,
    level,
    serializers: { err: errorWithoutStack },
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

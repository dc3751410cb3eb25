import type { LevelWithSilent } from 'pino';

/** `npm run dev` is `npm start` with this flag. */
export const devFlag = '--dev';

/** What the DEBUG variable defaults to under `npm run dev`: the webhook pipeline's per-stage lines. */
export const devDebug = 'webhooks:*';

export interface RunMode {
  dev: boolean;
  /** The DEBUG setting to run with. */
  debug?: string;
  /** What reaches the console; the log file always takes every line. */
  consoleLevel: LevelWithSilent;
  /** Human-readable console lines (pino-pretty) instead of JSON. */
  pretty: boolean;
}

/**
 * `npm start` keeps the console for its banner and warnings (JSON), every line going to the log file.
 * `npm run dev` runs the same stack and shows every line on the console, readable, with the webhook
 * pipeline's debug lines on unless DEBUG says otherwise.
 */
export function runMode(argv: readonly string[], debug: string | undefined): RunMode {
  const dev = argv.includes(devFlag);
  if (!dev) return { dev, debug, consoleLevel: 'warn', pretty: false };
  return { dev, debug: debug ?? devDebug, consoleLevel: 'trace', pretty: true };
}

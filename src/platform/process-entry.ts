import dotenv from 'dotenv';
import { ConfigError, type Config, type Role } from './config';
import { loadConfig, type CommandDefaults } from './load-config';
import { captureError, closeErrorMonitoring } from './error-monitoring';

/** Reads `.env` when there is one (real environment variables win), then checks the configuration. */
export function configFromEnvironment(role: Role, defaults?: CommandDefaults): Config {
  dotenv.config({ quiet: true });
  try {
    return loadConfig(process.env, role, defaults);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    console.error(err.message);
    process.exit(1);
  }
}

/**
 * The whole stack (npm start) makes missing secrets up; say so, and how to keep them. Their values are
 * printed in development only: a test or CI run's output is kept and shared, so there only the names.
 */
export function announceGeneratedSecrets(config: Config): void {
  const generated = Object.entries(config.generated);
  if (!generated.length) return;
  if (config.nodeEnv !== 'development') {
    console.log(`Generated secrets for this run, not shown outside development (set them in .env to know them): ${generated.map(([name]) => name).join(', ')}`);
    return;
  }
  console.log('Generated secrets for this run (set them in .env to keep them across restarts):');
  for (const [name, value] of generated) console.log(`  ${name}=${value}`);
}

/** Ctrl-C or SIGTERM stops everything cleanly; a second Ctrl-C gives up waiting. */
export function stopOnSignals(stop: () => Promise<void>): void {
  let stoppingSince: number | undefined;
  const onSignal = (signal: NodeJS.Signals) => {
    if (stoppingSince !== undefined) {
      // Ctrl-C, or a supervisor signalling the process group, reaches both npm and this process, and
      // npm forwards its copy: a repeat within a second is that echo, not a second request.
      if (Date.now() - stoppingSince < 1000) return;
      console.error(`\n${signal} again: exiting without waiting`);
      process.exit(130);
    }
    stoppingSince = Date.now();
    console.log(`\n${signal}: stopping…`);
    stop()
      .finally(() => closeErrorMonitoring()) // what was reported while stopping is sent before the exit
      .then(
        () => process.exit(0),
        (err) => {
          console.error('Stopped with errors:', err);
          process.exit(1);
        },
      );
  };
  process.on('SIGINT', onSignal);
  process.on('SIGTERM', onSignal);
}

/** What went wrong, on one line: the message without its stack, line breaks folded into ` | `. */
export function oneLineCause(err: unknown): string {
  const text = err instanceof Error ? err.message : String(err);
  return text.split('\n').map((line) => line.trim()).filter(Boolean).join(' | ');
}

/**
 * While an entry point starts its parts, an error no code awaits (an 'error' event nobody listens to, a
 * rejection nobody handles) still ends the process with its cause on one line and exit code 1, as a
 * failed start-up does; the servers it had started die with it (spawnLogged, embedded PostgreSQL and
 * Redis stop their children when the process exits). Returns the function that ends this guard.
 */
export function failStartUpOnStrayErrors(): () => void {
  const fail = (err: unknown) => void exitOnFailure(err);
  process.on('uncaughtException', fail);
  process.on('unhandledRejection', fail);
  return () => {
    process.removeListener('uncaughtException', fail);
    process.removeListener('unhandledRejection', fail);
  };
}

/** An entry point that failed: its cause on one line on stderr, the error reported as fatal and sent, exit 1. */
export async function exitOnFailure(err: unknown): Promise<never> {
  console.error(oneLineCause(err));
  captureError(err, {}, 'fatal');
  await closeErrorMonitoring();
  process.exit(1);
}

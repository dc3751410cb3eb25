import path from 'node:path';
import { devClientName, devKeyFile, ensureDevelopmentKey } from '../dev/dev-client';
import { goBuildProgressBar } from '../dev/go-install';
import { runMode } from '../dev/run-mode';
import { startStack } from '../dev/start-stack';
import { createLogger } from '../platform/logger';
import { announceGeneratedSecrets, configFromEnvironment, exitOnFailure, failStartUpOnStrayErrors, stopOnSignals } from '../platform/process-entry';
import { projectRoot } from '../platform/project-root';
import { startTracingFromEnvironment, tracesDestination } from '../platform/tracing';

/** A path as short as it can be said from here: `logs/webhooks.log` from the project root. */
const shown = (file: string) => (path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file));

/**
 * `npm start`: the whole of Reelay on one machine. Temporal and PostgreSQL are embedded unless
 * TEMPORAL_ADDRESS / DATABASE_URL point elsewhere; services without a URL are simulated.
 * `npm run dev` (`--dev`): the same, with readable logs on the console and DEBUG=webhooks:* by default.
 */
async function main() {
  const startedAt = Date.now();
  const endStartUpGuard = failStartUpOnStrayErrors();
  // One machine keeps its films' media in a folder (.data/assets) unless ASSET_STORE says otherwise.
  const config = configFromEnvironment('stack', { assetStore: 'local' });
  const tracing = await startTracingFromEnvironment('reelay'); // gateway and worker in this one process
  const mode = runMode(process.argv.slice(2), config.debug);
  config.debug = mode.debug;
  const dataDir = path.join(projectRoot, '.data');
  const logFile = config.logFile ? path.resolve(config.logFile) : path.join(dataDir, 'logs', 'reelay.log');
  const logger = createLogger({ level: config.logLevel, file: logFile, consoleLevel: mode.consoleLevel, pretty: mode.pretty });

  const stack = await startStack({
    config,
    logger,
    dataDir,
    onStep: (message) => console.log(`• ${message}`),
    onCliBuildProgress: goBuildProgressBar('  Building the Temporal CLI from source, once (several minutes; cached afterwards)'),
  });
  stopOnSignals(async () => {
    await stack.stop();
    await tracing?.shutdown(); // the last spans are sent
  });
  endStartUpGuard();

  announceGeneratedSecrets(config);
  // A client key to try the project API with; production makes its keys with `npm run clients`.
  const devKey = config.nodeEnv === 'production' ? undefined : await ensureDevelopmentKey(stack.prisma, dataDir);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(`
Reelay is running (started in ${seconds}s)
  Gateway         ${stack.gatewayUrl}   (POST /api/v1/projects, webhooks under /api/webhooks/*)
  API key         ${devKey ? `${devKey.key}   (client "${devClientName}"${devKey.created ? ', new' : ''}; kept in ${shown(devKeyFile(dataDir))})` : 'none made in production: npm run clients -- create <name>'}
  Console         ${stack.gatewayUrl}/console   (sign in with ADMIN_API_TOKEN)
  API document    ${stack.gatewayUrl}/openapi.json      Metrics ${stack.gatewayUrl}/metrics
  Temporal UI     ${stack.temporalUiUrl ?? '(external Temporal: use its own UI)'}
  Temporal gRPC   ${stack.temporalAddress}   namespace ${stack.config.temporal.namespace}, task queue ${stack.config.temporal.taskQueue}
  PostgreSQL      ${stack.databaseUrl.replace(/:[^:@/]+@/, ':****@')}
  Simulator       ${stack.simulator?.url ?? '(all services configured)'}
  Logs            ${shown(logFile)}${mode.dev ? ' (and here)' : ''}${config.debug ? `   DEBUG=${config.debug}` : ''}
  Webhook log     ${config.webhookLog.file ? `${shown(config.webhookLog.file)}   (tail -f ${shown(config.webhookLog.file)})` : 'off (WEBHOOK_LOG=off)'}
  Traces          ${tracing ? `to ${tracesDestination()}` : 'off (set OTEL_EXPORTER_OTLP_ENDPOINT to send them)'}

Try it: npm run demo        Stop: Ctrl-C
`);
}

main().catch(exitOnFailure);

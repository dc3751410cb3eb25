import path from 'node:path';
import { parseArgs } from 'node:util';
import { startCluster } from '../dev/cluster/start-cluster';
import { goBuildProgressBar } from '../dev/go-install';
import { createLogger } from '../platform/logger';
import { announceGeneratedSecrets, configFromEnvironment, exitOnFailure, failStartUpOnStrayErrors, stopOnSignals } from '../platform/process-entry';
import { projectRoot } from '../platform/project-root';

const shown = (file: string) => (path.relative(process.cwd(), file).startsWith('..') ? file : path.relative(process.cwd(), file));

/**
 * `npm run cluster [-- --workers N --gateways N]`: the production shape on this machine, from the same
 * configuration as `npm start`: the Temporal server on PostgreSQL, shared Redis, several workers and
 * gateway replicas behind one port. Anything configured (DATABASE_URL, REDIS_URL, TEMPORAL_ADDRESS,
 * service URLs) is used instead of its embedded or simulated part.
 */
async function main() {
  const startedAt = Date.now();
  const endStartUpGuard = failStartUpOnStrayErrors();
  const { values } = parseArgs({ options: { workers: { type: 'string', default: '2' }, gateways: { type: 'string', default: '2' } } });
  const count = (name: string, value: string) => {
    const n = Number(value);
    if (!Number.isInteger(n) || n < 1 || n > 32) throw new Error(`--${name} must be a whole number from 1 to 32, not ${value}`);
    return n;
  };
  const workers = count('workers', values.workers);
  const gateways = count('gateways', values.gateways);
  const config = configFromEnvironment('stack');
  const dataDir = path.join(projectRoot, '.data', 'cluster');
  const logger = createLogger({ level: config.logLevel, file: path.join(dataDir, 'logs', 'cluster.log'), consoleLevel: 'silent' });

  const stack = await startCluster({
    config,
    logger,
    dataDir,
    workers,
    gateways,
    onStep: (message) => console.log(`• ${message}`),
    onRestart: (name, reason) => console.log(`! ${name} ${reason}: restarting`),
    onBuildProgress: goBuildProgressBar(),
  });
  stopOnSignals(() => stack.stop());
  endStartUpGuard();

  announceGeneratedSecrets(config);
  const seconds = ((Date.now() - startedAt) / 1000).toFixed(1);
  console.log(`
Reelay cluster is running (started in ${seconds}s)
  Gateway         ${stack.gatewayUrl}   ${gateways} replicas (pids ${stack.gateways.map((g) => g.pid).join(', ')})
  Console         ${stack.gatewayUrl}/console   (sign in with ADMIN_API_TOKEN)
  Workers         ${workers} (pids ${stack.workers.map((w) => w.pid).join(', ')})
  Temporal gRPC   ${stack.temporalAddress}   ${stack.temporal ? 'Temporal server on PostgreSQL' : 'external'}, namespace ${stack.config.temporal.namespace}
  Temporal UI     ${stack.temporalUiUrl ?? (stack.temporal ? '(not built)' : '(external Temporal: use its own UI)')}
  Temporal metrics ${stack.temporal?.metricsUrl ?? '(external)'}
  PostgreSQL      ${stack.databaseUrl.replace(/:[^:@/]+@/, ':****@')}${stack.temporal ? `   (Temporal: ${stack.temporal.databases.default}, ${stack.temporal.databases.visibility})` : ''}
  Redis           ${stack.redisUrl}   (rate limits shared by the replicas)
  Simulator       ${stack.simulator?.url ?? '(all services configured)'}
  Logs            ${shown(stack.logDir)}/   (one file per process)

Try it: npm run demo        Stop: Ctrl-C
`);
}

main().catch(exitOnFailure);

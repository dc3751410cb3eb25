import { Presets, SingleBar } from 'cli-progress';
import { writeChaosSection } from './benchmarks-file';
import { runChaos, type ChaosReport } from './chaos';

/**
 * `npm run chaos [-- --seed=N] [--cluster]`: 100 projects while the worker (10 times), the gateway
 * (5 times) and Temporal (twice) are killed with -9 and restarted at moments chosen by the seed. With
 * `--cluster`, on the production shape: 50 projects, the Temporal server on PostgreSQL, two workers and
 * two gateway replicas, one of which is killed each time. Exits non-zero if anything was lost.
 */
async function main() {
  const seed = Number(process.argv.find((a) => a.startsWith('--seed='))?.slice(7) ?? Date.now() % 1_000_000);
  const onCluster = process.argv.includes('--cluster');
  const projects = Number(process.argv.find((a) => a.startsWith('--projects='))?.slice(11) ?? (onCluster ? 50 : 100));
  const shape = onCluster
    ? 'Cluster: Temporal server on PostgreSQL, 2 workers, 2 gateway replicas (`--cluster`)'
    : 'Dev server, one worker, one gateway';
  console.log(`chaos: ${projects} projects, seed ${seed} (run again with --seed=${seed}${onCluster ? ' --cluster' : ''}); ${shape}`);
  const bar = new SingleBar({ format: ' {bar} {value}/{total} kills | {last} | {duration_formatted}', noTTYOutput: true, notTTYSchedule: 10_000 }, Presets.shades_classic);
  const kills = { worker: 10, gateway: 5, temporal: 2 };
  bar.start(kills.worker + kills.gateway + kills.temporal, 0, { last: 'starting' });
  const report = await runChaos({
    projects,
    scenes: 5,
    kills,
    seed,
    ...(onCluster ? { cluster: { workers: 2, gateways: 2 } } : {}),
    onKill: (done, _total, what) => bar.update(done, { last: `${what} killed and restarted` }),
  }).finally(() => bar.stop());

  console.log(`
projects completed            ${report.completed}/${report.projects}
webhooks acknowledged (2xx)   ${report.webhooksAcknowledged}
webhooks applied              ${report.webhooksApplied}   (acknowledged but not applied: ${report.acknowledgedNotApplied}; applied before a killed gateway could mark it: ${report.appliedNotMarked})
duplicate tasks               ${report.duplicateTasks}   (requests repeated under the same Idempotency-Key: ${report.idempotentRetries})
notifications sent            ${report.notificationsSent}
gateway probe                 ${probeLine(report.gatewayProbe)}
errors recorded               ${JSON.stringify(report.errorsRecorded)}
kills                         ${report.kills.join(', ')}
took                          ${report.seconds}s
${report.ok ? 'OK: nothing lost, nothing done twice' : 'LOSS DETECTED'}`);
  await writeChaosSection(shape, `Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, seed ${seed}, in ${report.seconds} s.

| measure | result |
| --- | --- |
| projects completed | ${report.completed}/${report.projects} (${5} scenes each) |
| kills (-9, then restart) | ${report.kills.join(', ')} |
| webhooks acknowledged = applied | ${report.webhooksAcknowledged} = ${report.webhooksApplied} (acknowledged but not applied: ${report.acknowledgedNotApplied}) |
| duplicate tasks | ${report.duplicateTasks} (same-key retries: ${report.idempotentRetries}) |
| notifications sent | ${report.notificationsSent} |
| gateway probe (a request every 50 ms) | ${probeLine(report.gatewayProbe)} |
| verdict | ${report.ok ? 'nothing lost, nothing done twice' : '**loss detected**'} |`);
  process.exit(report.ok ? 0 : 1);
}

const probeLine = (p: ChaosReport['gatewayProbe']) =>
  `${p.answered} answered, ${p.serverErrors} 5xx, ${p.connectionErrors} lost with a killed process or while none listened`;

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

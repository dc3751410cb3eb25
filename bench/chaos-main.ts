import { Presets, SingleBar } from 'cli-progress';
import { writeChaosSection } from './benchmarks-file';
import { runChaos } from './chaos';

/**
 * `npm run chaos [-- --seed=N]`: 100 projects while the worker (10 times), the gateway (5 times) and
 * the Temporal dev server (twice) are killed with -9 and restarted at moments chosen by the seed.
 * Exits non-zero if anything was lost.
 */
async function main() {
  const seed = Number(process.argv.find((a) => a.startsWith('--seed='))?.slice(7) ?? Date.now() % 1_000_000);
  const projects = Number(process.argv.find((a) => a.startsWith('--projects='))?.slice(11) ?? 100);
  console.log(`chaos: ${projects} projects, seed ${seed} (run again with --seed=${seed})`);
  const bar = new SingleBar({ format: ' {bar} {value}/{total} kills | {last} | {duration_formatted}', noTTYOutput: true, notTTYSchedule: 10_000 }, Presets.shades_classic);
  const kills = { worker: 10, gateway: 5, temporal: 2 };
  bar.start(kills.worker + kills.gateway + kills.temporal, 0, { last: 'starting' });
  const report = await runChaos({
    projects,
    scenes: 5,
    kills,
    seed,
    onKill: (done, _total, what) => bar.update(done, { last: `${what} killed and restarted` }),
  }).finally(() => bar.stop());

  console.log(`
projects completed            ${report.completed}/${report.projects}
webhooks acknowledged (2xx)   ${report.webhooksAcknowledged}
webhooks applied              ${report.webhooksApplied}   (acknowledged but not applied: ${report.acknowledgedNotApplied}; applied before a killed gateway could mark it: ${report.appliedNotMarked})
duplicate tasks               ${report.duplicateTasks}   (requests repeated under the same Idempotency-Key: ${report.idempotentRetries})
notifications sent            ${report.notificationsSent}
errors recorded               ${JSON.stringify(report.errorsRecorded)}
kills                         ${report.kills.join(', ')}
took                          ${report.seconds}s
${report.ok ? 'OK: nothing lost, nothing done twice' : 'LOSS DETECTED'}`);
  await writeChaosSection(`Run on ${new Date().toISOString().slice(0, 16).replace('T', ' ')} UTC, seed ${seed}, in ${report.seconds} s.

| measure | result |
| --- | --- |
| projects completed | ${report.completed}/${report.projects} (${5} scenes each) |
| kills (-9, then restart) | ${report.kills.join(', ')} |
| webhooks acknowledged = applied | ${report.webhooksAcknowledged} = ${report.webhooksApplied} (acknowledged but not applied: ${report.acknowledgedNotApplied}) |
| duplicate tasks | ${report.duplicateTasks} (same-key retries: ${report.idempotentRetries}) |
| notifications sent | ${report.notificationsSent} |
| verdict | ${report.ok ? 'nothing lost, nothing done twice' : '**loss detected**'} |`);
  process.exit(report.ok ? 0 : 1);
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});

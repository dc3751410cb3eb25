import { execFileSync } from 'node:child_process';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { capsGoals, capsPhase, capsRows } from './caps-phase';
import { mediaPhase, mediaRows } from './media-phase';
import type { Client } from '@temporalio/client';
import { jsonHistory } from '../src/dev/history-cost';
import type { ServiceSimulator } from '../src/dev/simulator/simulator';
import { pacedOrchestration, sampledCost } from './phases';
import { root } from './processes';

/** `--media`: the media phase alone, printed. */
export async function printMediaPhase(mediaOptions: Parameters<typeof mediaPhase>[1]): Promise<void> {
  const dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-bench-media-'));
  try {
    const media = await mediaPhase(dataDir, mediaOptions);
    console.log(JSON.stringify(media, null, 2));
    for (const row of mediaRows(media)) console.log(row.filter(Boolean).join('  |  '));
  } finally {
    await rm(dataDir, { recursive: true, force: true });
  }
}

/** `--caps[=N]`: the provider-caps phase alone, printed with its goals. */
export async function printCapsPhase(capsFilms: number, oneProcess: boolean): Promise<void> {
  // The production shape runs the compiled dist/ (the full bench has built it already).
  if (!oneProcess) execFileSync('npm', ['run', '--silent', 'build'], { cwd: root, stdio: ['ignore', 'ignore', 'inherit'] });
  const caps = await capsPhase({ films: capsFilms, oneProcess, onProgress: (phase) => console.log(phase) });
  console.log(JSON.stringify(caps, null, 2));
  for (const row of capsRows(caps)) console.log(row.join('  |  '));
  for (const [goal, ok, value] of capsGoals(caps)) console.log(`${ok ? 'MET ' : 'MISS'}  ${goal}: ${value}`);
}

/** `--paced=N`: the paced orchestration phase alone with its slowest steps; `--histories=dir` writes their films' histories. */
export async function printPacedPhase(simulator: ServiceSimulator, client: Client, gatewayUrl: string, films: number, historiesDir?: string): Promise<void> {
  const paced = await pacedOrchestration(simulator, client, gatewayUrl, 'paced', films);
  const { ids, ...summary } = paced;
  // What the workflow waited for is read in the slowest steps' histories.
  if (historiesDir) {
    for (const { projectId } of paced.slowest) {
      const events = await jsonHistory(client.workflow.getHandle(`project-${projectId}`));
      await writeFile(path.join(historiesDir, `${projectId}.json`), JSON.stringify(events, null, 1));
    }
  }
  console.log(JSON.stringify({ ...summary, cost: await sampledCost(client, ids, paced.scenes) }, null, 2));
}

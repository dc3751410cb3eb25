import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { root } from './processes';

const file = path.join(root, 'BENCHMARKS.md');
const chaosHeading = '## Chaos (`npm run chaos`)';

/** The chaos section of BENCHMARKS.md as it stands (written by the last `npm run chaos`), or ''. */
export async function chaosSection(): Promise<string> {
  const text = await readFile(file, 'utf8').catch(() => '');
  const at = text.indexOf(chaosHeading);
  return at === -1 ? '' : text.slice(at).trimEnd();
}

/** Writes BENCHMARKS.md from the bench's report, keeping the last chaos run's section. */
export async function writeBenchmarks(report: string): Promise<void> {
  const chaos = await chaosSection();
  await writeFile(file, `${report.trimEnd()}\n${chaos ? `\n${chaos}\n` : ''}`);
}

/** Replaces the chaos section of BENCHMARKS.md with this run's. */
export async function writeChaosSection(section: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => '# Benchmarks\n');
  const at = text.indexOf(chaosHeading);
  const before = (at === -1 ? text : text.slice(0, at)).trimEnd();
  await writeFile(file, `${before}\n\n${chaosHeading}\n\n${section.trim()}\n`);
}

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

/**
 * Replaces, in the chaos section of BENCHMARKS.md, the block of this run's shape (`### title`), keeping
 * the other shape's last run.
 */
export async function writeChaosSection(title: string, body: string): Promise<void> {
  const text = await readFile(file, 'utf8').catch(() => '# Benchmarks\n');
  const at = text.indexOf(chaosHeading);
  const before = (at === -1 ? text : text.slice(0, at)).trimEnd();
  const blocks = new Map<string, string>();
  const section = at === -1 ? '' : text.slice(at + chaosHeading.length);
  for (const block of section.split(/^### /m).slice(1)) {
    const [heading, ...rest] = block.split('\n');
    blocks.set(heading.trim(), rest.join('\n').trim());
  }
  blocks.set(title, body.trim());
  const rendered = [...blocks].map(([heading, text]) => `### ${heading}\n\n${text}`).join('\n\n');
  await writeFile(file, `${before}\n\n${chaosHeading}\n\n${rendered}\n`);
}

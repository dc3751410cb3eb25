import { readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { root } from './processes';

const file = path.join(root, 'BENCHMARKS.md');
const chaosHeading = '## Chaos (`npm run chaos`)';

/** A markdown text's `## ` sections, heading line included, in order; the text before the first is left out. */
function sections(text: string): Array<{ heading: string; text: string }> {
  return text
    .split(/^(?=## )/m)
    .filter((part) => part.startsWith('## '))
    .map((part) => ({ heading: part.slice(0, part.indexOf('\n') === -1 ? undefined : part.indexOf('\n')).trim(), text: part.trimEnd() }));
}

/** The sections `npm run bench` writes (the engines' only with `--cluster`): an old one never outlives its run. */
const benchHeadings = ['## Goals', '## Concurrency sweeps', '## Engines side by side'];

/**
 * Writes BENCHMARKS.md from the bench's report. Sections no bench run writes (the last chaos run's,
 * runs measured by hand) are kept after it, in their order.
 */
export async function writeBenchmarks(report: string): Promise<void> {
  const written = (heading: string) => benchHeadings.some((h) => heading.startsWith(h)) || sections(report).some((s) => s.heading === heading);
  const kept = sections(await readFile(file, 'utf8').catch(() => '')).filter((s) => !written(s.heading));
  await writeFile(file, [report.trimEnd(), ...kept.map((s) => s.text)].join('\n\n') + '\n');
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

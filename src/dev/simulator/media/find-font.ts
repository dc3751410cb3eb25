import { execFile } from 'node:child_process';
import { access } from 'node:fs/promises';
import { promisify } from 'node:util';
import { findOnPath } from '../../local-tools';

/** Where common sans-serif fonts live on Debian, Fedora, Arch, Alpine and macOS. */
const wellKnownFonts = [
  '/usr/share/fonts/truetype/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu/DejaVuSans.ttf',
  '/usr/share/fonts/TTF/DejaVuSans.ttf',
  '/usr/share/fonts/dejavu-sans-fonts/DejaVuSans.ttf',
  '/usr/share/fonts/truetype/liberation/LiberationSans-Regular.ttf',
  '/usr/share/fonts/noto/NotoSans-Regular.ttf',
  '/System/Library/Fonts/Supplemental/Arial.ttf',
  '/Library/Fonts/Arial.ttf',
];

const exists = (file: string) => access(file).then(() => true, () => false);

/** fontconfig's choice of a sans-serif font file, when fontconfig is installed. */
async function fontconfigChoice(): Promise<string | undefined> {
  const fcMatch = findOnPath('fc-match');
  if (!fcMatch) return undefined;
  try {
    const { stdout } = await promisify(execFile)(fcMatch, ['-f', '%{file}', 'sans-serif'], { timeout: 5_000 });
    return /\.(ttf|otf|ttc)$/i.test(stdout) && (await exists(stdout)) ? stdout : undefined;
  } catch {
    return undefined;
  }
}

let found: Promise<string | undefined> | undefined;

/** A font file for drawtext, found once; undefined when the machine has none (the pictures go without text). */
export function findFont(): Promise<string | undefined> {
  found ??= (async () => {
    const choice = await fontconfigChoice();
    if (choice) return choice;
    for (const file of wellKnownFonts) if (await exists(file)) return file;
    return undefined;
  })();
  return found;
}

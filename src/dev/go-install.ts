import { spawn } from 'node:child_process';
import { mkdir, mkdtemp, rename, rm } from 'node:fs/promises';
import path from 'node:path';
import { Presets, SingleBar } from 'cli-progress';
import { findOnPath } from './local-tools';

export const goAvailable = (): boolean => findOnPath('go') !== undefined;

export interface GoInstall {
  /** Package paths at one version each, e.g. `go.temporal.io/server/cmd/server@v1.29.1`. */
  packages: string[];
  /** Binary name `go install` writes (the package's last path element) → the name to keep it as in `targetDir`. */
  binaries: Record<string, string>;
  targetDir: string;
  /** How many packages a cold build compiles, for progress. */
  packagesToBuild: number;
  /** Build tags (`go install -tags`), e.g. to leave out parts of a command that are not needed. */
  tags?: string[];
  onProgress: (built: number, total: number) => void;
}

/**
 * Builds Go commands from the module proxy into `targetDir` (minutes on 2 cores, once). Builds into a
 * temporary folder and renames, so an interrupted or concurrent build never leaves a half-written binary
 * where the next run would trust it.
 */
export async function goInstall({ packages, binaries, targetDir, packagesToBuild, tags = [], onProgress }: GoInstall): Promise<void> {
  await mkdir(targetDir, { recursive: true });
  const gobin = await mkdtemp(path.join(path.dirname(targetDir), '.build-'));
  try {
    await new Promise<void>((resolve, reject) => {
      const child = spawn('go', ['install', '-v', ...(tags.length ? ['-tags', tags.join(',')] : []), ...packages], {
        env: { ...process.env, GOBIN: gobin, GOFLAGS: `${process.env.GOFLAGS ?? ''} -buildvcs=false`.trim() },
        stdio: ['ignore', 'ignore', 'pipe'],
      });
      let built = 0;
      let tail = '';
      child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
        tail = (tail + chunk).slice(-4000);
        // `go install -v` prints each package path as it compiles it; downloads start with "go:".
        built += chunk.split('\n').filter((line) => line && !line.startsWith('go:') && !line.includes(' ')).length;
        onProgress(Math.min(built, packagesToBuild), packagesToBuild);
      });
      child.once('error', reject);
      child.once('exit', (code) => (code === 0 ? resolve() : reject(new Error(`go install ${packages.join(' ')} failed:\n${tail}`))));
    });
    for (const [built, kept] of Object.entries(binaries)) await rename(path.join(gobin, built), path.join(targetDir, kept));
    onProgress(packagesToBuild, packagesToBuild);
  } finally {
    await rm(gobin, { recursive: true, force: true });
  }
}

/**
 * A console progress bar for a Go build (`onProgress` of goInstall), started by its first report, after
 * `heading` when given: nothing shows when there is nothing to build.
 */
export function goBuildProgressBar(heading?: string): (built: number, total: number) => void {
  let bar: SingleBar | undefined;
  return (built, total) => {
    if (!bar) {
      if (heading) console.log(heading);
      bar = new SingleBar({ format: '  go build [{bar}] {percentage}% | {value}/{total} packages | {duration}s' }, Presets.shades_classic);
      bar.start(total, 0);
    }
    bar.setTotal(total);
    bar.update(built);
    if (built >= total) bar.stop();
  };
}

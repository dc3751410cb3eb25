import { createHash, randomBytes } from 'node:crypto';
import { existsSync } from 'node:fs';
import { chmod, cp, lstat, mkdir, readdir, readFile, realpath, rename, rm, stat } from 'node:fs/promises';
import path from 'node:path';

/**
 * Where root's PostgreSQL keeps what the `postgres` user must reach, when the checkout is not reachable:
 * /var/tmp survives reboots (the data of `npm start` lives here then) and every user may pass through it.
 */
export const defaultSharedDir = path.join('/var/tmp', 'reelay-postgres');

export interface PostgresPlacement {
  /** Binaries to run instead of the platform package's; undefined when those are reachable as they are. */
  binaries?: { postgres: string; initdb: string };
  /** The data directory to use: the one asked for, or a stand-in under the shared folder. */
  dataDir: string;
  /** What was moved and why, for the console. */
  notes: string[];
}

export interface PlacementOptions {
  /** The platform package's `native` folder (bin/, lib/, share/). */
  nativeDir: string;
  dataDir: string;
  sharedDir?: string;
}

/** Thrown when no place reachable by the `postgres` user can be made: the message says what to do. */
export class PostgresPlacementError extends Error {}

/**
 * As root, PostgreSQL runs as the `postgres` user, who must be able to pass through every folder on the
 * way to its binaries and its data directory. A checkout under a folder only root may enter (root's
 * home, a `mktemp -d` folder) blocks both: the binaries are then copied, once per version, and the
 * data kept, under a shared folder owned by root that anyone may pass through (but not write to).
 * Not root: PostgreSQL runs as this user, who reaches everything already.
 */
export async function placeForPostgresUser(options: PlacementOptions): Promise<PostgresPlacement> {
  const { nativeDir, sharedDir = defaultSharedDir } = options;
  const placement: PostgresPlacement = { dataDir: options.dataDir, notes: [] };
  if (process.getuid?.() !== 0) return placement;

  const parent = path.dirname(options.dataDir);
  await mkdir(parent, { recursive: true });
  await chmod(parent, 0o755); // our own folder (.data/, a test's temporary folder): open it to postgres
  const binaryDir = path.join(nativeDir, 'bin');
  const binariesReachable = await othersCanReach(binaryDir);
  const dataReachable = await othersCanReach(parent);
  if (binariesReachable && dataReachable) return placement;

  await ensureSharedDir(sharedDir, options.dataDir);
  if (!binariesReachable) {
    const copy = await copyBinaries(nativeDir, sharedDir);
    placement.binaries = { postgres: path.join(copy, 'bin', 'postgres'), initdb: path.join(copy, 'bin', 'initdb') };
    placement.notes.push(`PostgreSQL binaries copied to ${copy}: the postgres user cannot reach ${binaryDir}`);
  }
  if (!dataReachable) {
    const key = createHash('sha256').update(path.resolve(options.dataDir)).digest('hex').slice(0, 12);
    placement.dataDir = path.join(sharedDir, 'data', `${path.basename(path.dirname(parent))}-${key}`, path.basename(options.dataDir));
    await mkdir(path.dirname(placement.dataDir), { recursive: true, mode: 0o755 });
    await chmod(path.dirname(placement.dataDir), 0o755);
    placement.notes.push(`PostgreSQL data kept in ${placement.dataDir}: the postgres user cannot reach ${parent}`);
  }
  return placement;
}

/**
 * Whether a user other than the owner can pass through every folder down to `dir` (and into it): each
 * one lets others search it (o+x), on the path as written and on the path its links lead to. Group and
 * ACL grants are not counted, so the answer errs towards copying.
 */
export async function othersCanReach(dir: string): Promise<boolean> {
  const written = path.resolve(dir);
  const resolved = await realpath(written).catch(() => written);
  for (const target of new Set([written, resolved])) {
    for (let folder = target; ; folder = path.dirname(folder)) {
      const mode = await stat(folder).then((s) => s.mode, () => 0);
      if ((mode & 0o001) === 0) return false;
      if (folder === path.dirname(folder)) break;
    }
  }
  return true;
}

/** The shared folder, made if missing; refused unless root owns it and only root may write in it. */
async function ensureSharedDir(sharedDir: string, dataDir: string): Promise<void> {
  const whatToDo =
    `the postgres user (PostgreSQL refuses to run as root) cannot reach ${path.dirname(dataDir)}: ` +
    'set DATABASE_URL to a PostgreSQL server of your own, run as a user other than root, or move the checkout to a folder others may enter';
  await mkdir(sharedDir, { recursive: true, mode: 0o755 }).catch(() => undefined);
  const info = await lstat(sharedDir).catch(() => undefined);
  if (!info?.isDirectory() || info.uid !== 0 || (info.mode & 0o022) !== 0) {
    throw new PostgresPlacementError(`${sharedDir} must be a folder owned by root that only root may write to, and ${whatToDo}`);
  }
  if ((info.mode & 0o005) !== 0o005) await chmod(sharedDir, 0o755);
  if (!(await othersCanReach(sharedDir))) throw new PostgresPlacementError(`Neither can it reach ${sharedDir}: ${whatToDo}`);
}

/**
 * A copy of `nativeDir` under `sharedDir`, named after the package version, made once: copied to a
 * private name and renamed into place, so two start-ups at once never use a half-made copy.
 */
async function copyBinaries(nativeDir: string, sharedDir: string): Promise<string> {
  const version = await readFile(path.join(nativeDir, '..', 'package.json'), 'utf8')
    .then((text) => (JSON.parse(text) as { name: string; version: string }), () => undefined);
  const name = version ? `postgres-${path.basename(version.name)}-${version.version}` : createHash('sha256').update(nativeDir).digest('hex').slice(0, 12);
  const target = path.join(sharedDir, name);
  if (existsSync(path.join(target, 'bin', 'postgres'))) return target;

  const partial = `${target}.partial-${randomBytes(4).toString('hex')}`;
  try {
    await cp(nativeDir, partial, { recursive: true, verbatimSymlinks: true });
    await openToOthers(partial);
    await rename(partial, target).catch(async (err: NodeJS.ErrnoException) => {
      if (!existsSync(path.join(target, 'bin', 'postgres'))) throw err; // another start-up won the race otherwise
    });
  } finally {
    await rm(partial, { recursive: true, force: true });
  }
  return target;
}

/** Folders 755; files readable by all, and runnable by all when runnable by their owner. */
async function openToOthers(root: string): Promise<void> {
  await chmod(root, 0o755);
  for (const entry of await readdir(root, { recursive: true, withFileTypes: true })) {
    if (entry.isSymbolicLink()) continue;
    const file = path.join(entry.parentPath, entry.name);
    const { mode } = await stat(file);
    await chmod(file, entry.isDirectory() || mode & 0o100 ? 0o755 : 0o644);
  }
}

import { accessSync, constants, statSync } from 'node:fs';
import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Where the tools Reelay fetches or builds for itself (the Temporal CLI, a Redis server) are kept between
 * runs and checkouts: $XDG_CACHE_HOME/reelay or ~/.cache/reelay.
 */
export function cacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'reelay');
}

/** The first executable file called `command` in the folders of `searchPath`. */
export function findOnPath(command: string, searchPath = process.env.PATH ?? ''): string | undefined {
  for (const dir of searchPath.split(path.delimiter)) {
    if (!dir) continue;
    const candidate = path.join(dir, command);
    try {
      accessSync(candidate, constants.X_OK);
      if (statSync(candidate).isFile()) return candidate;
    } catch {
      // not here
    }
  }
  return undefined;
}

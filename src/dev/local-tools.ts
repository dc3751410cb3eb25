import { homedir } from 'node:os';
import path from 'node:path';

/**
 * Where the tools Reelay fetches or builds for itself (the Temporal CLI, a Redis server) are kept between
 * runs and checkouts: $XDG_CACHE_HOME/reelay or ~/.cache/reelay.
 */
export function cacheDir(): string {
  return path.join(process.env.XDG_CACHE_HOME || path.join(homedir(), '.cache'), 'reelay');
}

export { findOnPath } from '../platform/find-on-path';

import createDebug from 'debug';

/** Whether a DEBUG value (the `debug` package's syntax: `webhooks:*,-webhooks:x`) turns `name` on. */
export function debugEnabled(setting: string | undefined, name: string): boolean {
  if (!setting) return false;
  const previous = createDebug.disable(); // the package keeps one global setting: borrow it, then restore it
  createDebug.enable(setting);
  const enabled = createDebug.enabled(name);
  createDebug.enable(previous);
  return enabled;
}

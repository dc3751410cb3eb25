/** A port nothing listens on, on 127.0.0.1 (get-port is ESM-only, hence the dynamic import). */
export async function freePort(): Promise<number> {
  const { default: getPort } = await import('get-port');
  return getPort({ host: '127.0.0.1' });
}

/**
 * A free port below 32768: Temporal keeps its membership ports in a PostgreSQL smallint, which refuses
 * the ephemeral range get-port draws from otherwise.
 */
export async function freeSmallPort(): Promise<number> {
  const { default: getPort, portNumbers } = await import('get-port');
  return getPort({ host: '127.0.0.1', port: portNumbers(20_000, 32_767) });
}

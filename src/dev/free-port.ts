import { randomInt } from 'node:crypto';

const lowest = 20_000;
const highest = 32_767;

/**
 * A port nothing listens on, on 127.0.0.1, drawn at random from 20000-32767 (get-port is ESM-only,
 * hence the dynamic import). Below Linux's ephemeral range (32768-60999) for two reasons: between this
 * check and the server's bind, an outgoing connection on a busy machine can be given a port from that
 * range (a test stack's PostgreSQL then failed with "Address already in use"); and Temporal keeps its
 * membership ports in a PostgreSQL smallint, which refuses the ephemeral range. At random, since
 * get-port tries the ports it is given in order, and stacks starting at once would all try the same.
 */
export async function freePort(): Promise<number> {
  const { default: getPort } = await import('get-port');
  const candidates = Array.from({ length: 64 }, () => randomInt(lowest, highest + 1));
  return getPort({ host: '127.0.0.1', port: candidates });
}

import type pg from 'pg';

/**
 * Runs `work` on one connection of `pool` inside a transaction: committed when it returns, rolled back
 * when it throws. `begin` may carry settings for the transaction in the same round trip
 * (`BEGIN; SET LOCAL lock_timeout = …`).
 */
export async function withTransaction<T>(pool: pg.Pool, work: (client: pg.PoolClient) => Promise<T>, begin = 'BEGIN'): Promise<T> {
  const client = await pool.connect();
  try {
    await client.query(begin);
    const result = await work(client);
    await client.query('COMMIT');
    return result;
  } catch (err) {
    await client.query('ROLLBACK').catch(() => undefined);
    throw err;
  } finally {
    client.release();
  }
}

import pg from 'pg';

/**
 * `BENCH_PG_STATEMENTS=1 npm run bench -- --scale=PxS`: PostgreSQL loads pg_stat_statements, and the
 * scale run's answer lists the statements that took the server's time, per step, to say which of
 * ours cost PostgreSQL its CPU per step.
 */
export const pgStatementsWanted = () => Boolean(process.env.BENCH_PG_STATEMENTS);

export const pgStatementSettings = () => (pgStatementsWanted() ? ['shared_preload_libraries=pg_stat_statements', 'pg_stat_statements.track_planning=on'] : []);

async function withClient<T>(databaseUrl: string, work: (client: pg.Client) => Promise<T>): Promise<T> {
  const client = new pg.Client({ connectionString: databaseUrl });
  await client.connect();
  try {
    return await work(client);
  } finally {
    await client.end();
  }
}

/** Starts counting from zero (before the run to measure). */
export async function resetPgStatements(databaseUrl: string): Promise<void> {
  if (!pgStatementsWanted()) return;
  await withClient(databaseUrl, async (client) => {
    await client.query('CREATE EXTENSION IF NOT EXISTS pg_stat_statements');
    await client.query('SELECT pg_stat_statements_reset()');
  });
}

/** The statements that took the most server time since the reset: calls and milliseconds (executing and planning) per step. */
export async function topPgStatements(databaseUrl: string, steps: number, most = 15) {
  if (!pgStatementsWanted()) return undefined;
  return withClient(databaseUrl, async (client) => {
    const { rows } = await client.query<{ calls: string; exec_ms: number; plan_ms: number; query: string }>(
      `SELECT calls, total_exec_time AS exec_ms, total_plan_time AS plan_ms, left(regexp_replace(query, '\\s+', ' ', 'g'), 200) AS query
       FROM pg_stat_statements ORDER BY total_exec_time + total_plan_time DESC LIMIT $1`,
      [most],
    );
    return rows.map((r) => ({
      callsPerStep: Number(r.calls) / steps,
      msPerStep: Math.round(((r.exec_ms + r.plan_ms) / steps) * 1000) / 1000,
      planMsPerStep: Math.round((r.plan_ms / steps) * 1000) / 1000,
      query: r.query,
    }));
  });
}

import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import pg from 'pg';
import { sceneSql } from '../../src/activities/scene-rows';
import { errorSeverities, projectStatuses, sceneStatuses, webhookOutcomes } from '../../src/contracts/statuses';
import { webhookEndpointDbValue, webhookEndpoints } from '../../src/contracts/steps';
import type { Stack } from '../../src/dev/start-stack';
import { createEventStore, eventStoreSql } from '../../src/storage/event-store';
import { filmRowSql } from '../../src/storage/film-rows';
import { liveCountsSql } from '../../src/storage/live-counts';
import { testStack } from '../support/test-stack';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');

/** Every statement Reelay writes in SQL rather than through Prisma's typed client. */
const rawStatements = {
  ...eventStoreSql,
  ...Object.fromEntries(Object.entries(sceneSql).map(([name, sql]) => [`scene.${name}`, sql])),
  ...Object.fromEntries(Object.entries(liveCountsSql).map(([name, sql]) => [`liveCounts.${name}`, sql])),
  ...Object.fromEntries(Object.entries(filmRowSql).map(([name, sql]) => [`films.${name}`, sql])),
};

describe('the database as the code uses it: prisma/schema.prisma is the one source', function () {
  this.timeout(120_000);
  let stack: Stack;

  before(async () => {
    stack = await testStack();
  });

  /** PostgreSQL parses, resolves and plans a statement without running it: unknown tables, columns or types fail here. */
  async function prepare(name: string, sql: string): Promise<void> {
    const client = await stack.database.pool.connect();
    const statement = `schema_check_${name.replace(/\W/g, '_')}`;
    try {
      await client.query(`PREPARE ${statement} AS ${sql}`);
    } finally {
      // Only its own: the pool's connections keep the worker's named statements (activities/records.ts).
      await client.query(`DEALLOCATE ${statement}`).catch(() => undefined);
      client.release();
    }
  }

  /** Tables, columns (type, nullability), enums and indexes (name and key columns) of one database. */
  async function shape(pool: pg.Pool | pg.Client) {
    const columns = await pool.query(
      `SELECT table_name, column_name, data_type, udt_name, is_nullable FROM information_schema.columns
       WHERE table_schema = 'public' AND table_name <> '_prisma_migrations' ORDER BY table_name, column_name`,
    );
    const enums = await pool.query(
      `SELECT t.typname, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname ORDER BY t.typname`,
    );
    const indexes = await pool.query(
      `SELECT indexname, indexdef FROM pg_indexes WHERE schemaname = 'public' AND tablename <> '_prisma_migrations' ORDER BY indexname`,
    );
    // Prisma cannot declare NULLS NOT DISTINCT (the event store's unique key counts a stitch callback,
    // which has no scene, as one event); the migration adds it: the one difference allowed.
    const index = (def: string) => def.replace(' NULLS NOT DISTINCT', '');
    return { columns: columns.rows, enums: enums.rows, indexes: indexes.rows.map((r: { indexname: string; indexdef: string }) => [r.indexname, index(r.indexdef)]) };
  }

  it('migrates the database to exactly what schema.prisma declares', async () => {
    // What schema.prisma alone makes of an empty database (Prisma's own SQL for it), in a scratch database beside the migrated one.
    const prismaCli = require.resolve('prisma/build/index.js', { paths: [root] });
    const { stdout: fromSchema } = await run(
      process.execPath,
      [prismaCli, 'migrate', 'diff', '--from-empty', '--to-schema-datamodel', 'prisma/schema.prisma', '--script'],
      { cwd: root, env: { ...process.env, DATABASE_URL: stack.databaseUrl, PRISMA_HIDE_UPDATE_MESSAGE: '1' } },
    );
    const scratchName = `schema_check_${process.pid}`;
    await stack.database.pool.query(`DROP DATABASE IF EXISTS ${scratchName}`);
    await stack.database.pool.query(`CREATE DATABASE ${scratchName}`);
    const scratchUrl = new URL(stack.databaseUrl);
    scratchUrl.pathname = `/${scratchName}`;
    const scratch = new pg.Client({ connectionString: scratchUrl.toString() });
    await scratch.connect();
    try {
      await scratch.query(fromSchema);
      assert.deepEqual(await shape(stack.database.pool), await shape(scratch));
    } finally {
      await scratch.end();
      await stack.database.pool.query(`DROP DATABASE IF EXISTS ${scratchName}`);
    }
  });

  it('prepares every raw SQL statement against that schema (table, column and enum names)', async () => {
    assert.ok(Object.keys(rawStatements).length >= 8);
    for (const [name, sql] of Object.entries(rawStatements)) {
      await prepare(name, sql).catch((err: Error) => assert.fail(`${name}: ${err.message}`));
    }
  });

  it('would catch a statement naming a column the schema does not have', async () => {
    await assert.rejects(prepare('typo', sceneSql.completed.replace('last_frame_url', 'last_frame_uri')), /column "last_frame_uri"/);
  });

  it("marks a webhook signaled in place: no index holds a column the mark sets, and pages keep room for it (a HOT update)", async () => {
    const pool = stack.database.pool;
    const setColumns = [...eventStoreSql.signaledMarks.matchAll(/(\w+) = /g)].map((m) => m[1]).filter((column) => column !== 'id');
    assert.deepEqual(setColumns, ['outcome', 'signaled_at']);
    const { rows: indexed } = await pool.query<{ index: string; column: string }>(
      `SELECT i.indexrelid::regclass::text AS index, a.attname AS column
       FROM pg_index i JOIN pg_attribute a ON a.attrelid = i.indrelid
       WHERE i.indrelid = 'webhook_events'::regclass
         AND (a.attnum = ANY(i.indkey) OR pg_get_expr(i.indexprs, i.indrelid) LIKE '%' || a.attname || '%'
              OR pg_get_expr(i.indpred, i.indrelid) LIKE '%' || a.attname || '%')`,
    );
    assert.deepEqual(indexed.filter((r) => setColumns.includes(r.column)), []);
    const { rows: options } = await pool.query<{ reloptions: string[] | null }>(`SELECT reloptions FROM pg_class WHERE oid = 'webhook_events'::regclass`);
    assert.ok(options[0].reloptions?.some((o) => /^fillfactor=([1-8]\d|9[0-5])$/.test(o)), `fillfactor leaves room: ${String(options[0].reloptions)}`);

    // And PostgreSQL makes the mark a HOT update. Counted on a copy of the table (same columns, indexes and
    // fillfactor) that no other test writes: in the whole suite, other tests' webhooks share the table's
    // pages and their open snapshots keep dead versions from being pruned, so how many of a burst of marks
    // find room varied (20, 17 and 7 of 20); what the code controls is that a mark can be HOT at all.
    const stored = await createEventStore(stack.database).recordDelivery({ endpoint: webhookEndpointDbValue['stitch-complete'], taskId: `hot-${process.pid}-${Date.now()}`, status: 'completed', projectId: 'hot-check', headers: {}, rawBody: '{}' });
    const client = await pool.connect();
    try {
      await client.query(`CREATE TEMP TABLE hot_check (LIKE webhook_events INCLUDING ALL) WITH (${options[0].reloptions!.join(', ')})`);
      await client.query('INSERT INTO hot_check SELECT * FROM webhook_events WHERE id = $1', [stored.id]);
      const marked = await client.query(eventStoreSql.signaledMarks.replace('UPDATE webhook_events', 'UPDATE hot_check'), [[stored.id]]);
      assert.equal(marked.rowCount, 1);
      await client.query('SELECT pg_stat_force_next_flush()');
      const counted = async () => {
        await client.query('SELECT pg_stat_clear_snapshot()');
        return (await client.query<{ updates: string; hot: string }>(`SELECT n_tup_upd AS updates, n_tup_hot_upd AS hot FROM pg_stat_user_tables WHERE relid = 'hot_check'::regclass`)).rows[0];
      };
      let after = await counted();
      for (let tries = 0; Number(after?.updates ?? 0) < 1 && tries < 50; tries += 1) {
        await new Promise((resolve) => setTimeout(resolve, 100));
        after = await counted();
      }
      assert.deepEqual({ updates: Number(after.updates), hot: Number(after.hot) }, { updates: 1, hot: 1 }, 'the mark is a HOT update');
    } finally {
      await client.query('DROP TABLE IF EXISTS hot_check').catch(() => undefined);
      client.release();
    }
  });

  it('stores the same status words the code, the API and /openapi.json use', async () => {
    const { rows } = await stack.database.pool.query<{ type: string; labels: string[] }>(
      `SELECT t.typname AS type, array_agg(e.enumlabel::text ORDER BY e.enumsortorder) AS labels
       FROM pg_type t JOIN pg_enum e ON e.enumtypid = t.oid GROUP BY t.typname`,
    );
    const stored = Object.fromEntries(rows.map((r) => [r.type, r.labels]));
    assert.deepEqual(stored.ProjectStatus, [...projectStatuses]);
    assert.deepEqual(stored.SceneStatus, [...sceneStatuses]);
    assert.deepEqual(stored.WebhookOutcome, [...webhookOutcomes]);
    assert.deepEqual(stored.ErrorSeverity, [...errorSeverities]);
    assert.deepEqual(stored.WebhookEndpoint, webhookEndpoints.map((e) => webhookEndpointDbValue[e]));
  });
});

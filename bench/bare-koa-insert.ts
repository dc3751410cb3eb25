import Koa from 'koa';
import { koaBody } from 'koa-body';
import pg from 'pg';

/**
 * The floor for any gateway that records what it receives: the bare Koa app plus one durable INSERT
 * per request on the same PostgreSQL (synchronous commit, as the gateway's event store has).
 */
const pool = new pg.Pool({ connectionString: process.env.DATABASE_URL, max: 10 });
const app = new Koa();
app.use(koaBody());
app.use(async (ctx) => {
  if (ctx.method === 'GET') {
    ctx.body = { status: 'ok' };
    return;
  }
  const body = ctx.request.body as { task_id?: string };
  await pool.query('INSERT INTO bench_floor (id, body) VALUES (gen_random_uuid(), $1::jsonb)', [JSON.stringify(body)]);
  ctx.body = { received: true, task_id: body.task_id ?? null };
});
void pool.query('CREATE TABLE IF NOT EXISTS bench_floor (id uuid PRIMARY KEY, body jsonb NOT NULL)').then(() => app.listen(Number(process.env.PORT), '127.0.0.1'));

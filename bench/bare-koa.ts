import Koa from 'koa';
import { koaBody } from 'koa-body';

/** The HTTP floor on this machine: a Koa app that parses a JSON body and answers JSON, nothing else. */
const app = new Koa();
app.use(koaBody());
app.use((ctx) => {
  if (ctx.method === 'GET') {
    ctx.body = { status: 'ok' };
    return;
  }
  const body = ctx.request.body as { task_id?: string };
  ctx.body = { received: true, task_id: body.task_id ?? null };
});
app.listen(Number(process.env.PORT), '127.0.0.1');

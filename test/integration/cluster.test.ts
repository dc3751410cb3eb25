import assert from 'node:assert/strict';
import { readFile, mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { runChaos } from '../../bench/chaos';
import { startCluster, type Cluster } from '../../src/dev/cluster/start-cluster';
import { loadConfig } from '../../src/platform/load-config';
import { createLogger } from '../../src/platform/logger';
import { assertNothingLost } from '../support/chaos-books';
import { getJson, postJson } from '../support/http';
import { asOperator } from '../support/clients';
import { waitFor } from '../support/projects';
import { freePort, testAdminToken, testEnv, testStack } from '../support/test-stack';

const freshConnection = { connection: 'close' };

/** Polls the port as a new user would, and creates a 3-scene film as soon as anything answers. */
async function createFilmOnFirstAnswer(gatewayUrl: string) {
  for (;;) {
    const health = await fetch(`${gatewayUrl}/api/webhooks/video-complete`, { headers: freshConnection }).catch(() => undefined);
    if (health) {
      const answeredAt = Date.now();
      const projectId = `cluster-first-${answeredAt}`;
      const sentAt = Date.now();
      const created = await postJson(`${gatewayUrl}/api/v1/projects`, {
        project_id: projectId,
        scenes: [{ prompt: 'doors open' }, { prompt: 'the first visitor' }, { prompt: 'lights on' }],
      }, { ...freshConnection, ...asOperator });
      return { answeredAt, sentAt, status: created.status, body: created.body, projectId };
    }
    await new Promise((resolve) => setTimeout(resolve, 20));
  }
}

/**
 * `npm run cluster`: the Temporal server on PostgreSQL (built from the Go module proxy, schemas by its
 * SQL tool), shared Redis, two workers and two gateway replicas behind one port, as real processes.
 */
describe('the production shape (npm run cluster)', function () {
  this.timeout(300_000);
  let cluster: Cluster;
  let dataDir: string;
  let firstFilm: { answeredAt: number; sentAt: number; status: number; body: unknown; projectId: string };

  before(async () => {
    const stack = await testStack();
    dataDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-cluster-'));
    const environment = {
      ...process.env,
      ...testEnv({ PORT: String(await freePort()), DATABASE_URL: stack.databaseUrl, SIMULATOR_PORT: '0', SIMULATOR_DELAY_MS: '20', LOG_LEVEL: 'info', TRUST_PROXY: 'true', RATE_LIMIT_PROJECTS: '100000' }),
    };
    const gatewayUrl = `http://localhost:${environment.PORT}`;
    const starting = startCluster({
      config: loadConfig(environment, 'stack'),
      environment,
      logger: createLogger({ level: 'silent' }),
      dataDir,
      workers: 2,
      gateways: 2,
      temporalPort: await freePort(),
      temporalUiPort: await freePort(),
    });
    // A new user's first request: a film created the moment the first replica answers at all.
    firstFilm = await Promise.race([
      createFilmOnFirstAnswer(gatewayUrl),
      starting.then(() => Promise.reject(new Error('the cluster started, but its port never answered'))),
    ]);
    cluster = await starting;
  });

  after(async () => {
    await cluster?.stop();
    await rm(dataDir, { recursive: true, force: true });
  });

  it('creates a film in the same second the first replica answers (the namespace is set up before any replica serves)', async () => {
    assert.equal(firstFilm.status, 201, JSON.stringify(firstFilm.body));
    // Sent within the second; how long the answer takes on a loaded machine is the bench's business.
    assert.ok(firstFilm.sentAt - firstFilm.answeredAt < 1_000, `sent ${firstFilm.sentAt - firstFilm.answeredAt} ms after the first answer`);
    await waitFor(async () => (await getJson<any>(`${cluster.gatewayUrl}/api/v1/projects/${firstFilm.projectId}`, asOperator)).body.status === 'completed', 60_000, 'the first film');
  });

  it('refuses the 101st webhook within a minute from one IP, whichever replica receives it', async () => {
    // One client behind a proxy (TRUST_PROXY): the films' own callbacks, from this machine, count apart.
    const send = () => postJson(`${cluster.gatewayUrl}/api/webhooks/video-complete`, '{}', { ...freshConnection, 'x-forwarded-for': '203.0.113.7' });
    const first = await Promise.all(Array.from({ length: 100 }, send));
    assert.deepEqual([...new Set(first.map((r) => r.status))], [401], 'unsigned: counted, then refused by the signature check');
    const limited = await send();
    assert.equal(limited.status, 429);
    assert.equal(limited.body.code, 'rate_limited');
    // The count is in Redis, shared: each replica's access log shows it served part of the burst.
    const served = await Promise.all(
      cluster.gateways.map(async (_, i) => {
        const log = await readFile(path.join(cluster.logDir, `webhooks-gateway-${i + 1}.log`), 'utf8').catch(() => '');
        // This burst's requests only: the films' own callbacks come from this machine's address.
        return log.split('\n').filter((line) => line.includes('video-complete') && line.includes('203.0.113.7')).length;
      }),
    );
    assert.ok(served.every((n) => n > 0), `requests per replica: ${served.join(', ')}`);
    assert.equal(served.reduce((a, b) => a + b, 0), 101);
  });

  it('makes a 3-scene film end to end through the load-balanced port', async () => {
    const projectId = `cluster-film-${Date.now()}`;
    const created = await postJson(`${cluster.gatewayUrl}/api/v1/projects`, {
      project_id: projectId,
      scenes: [{ prompt: 'a lighthouse at dusk' }, { prompt: 'the lamp turns on' }, { prompt: 'a ship answers' }],
    }, asOperator);
    assert.equal(created.status, 201, JSON.stringify(created.body));
    const project = await waitFor(
      async () => {
        const response = await fetch(`${cluster.gatewayUrl}/api/v1/projects/${projectId}`, { headers: { ...asOperator, ...freshConnection } });
        const body = (await response.json()) as { status: string; final_video_url?: string; scenes: { status: string }[] };
        return body.status === 'completed' ? body : undefined;
      },
      60_000,
      'the film to complete',
    );
    assert.ok(project.final_video_url);
    assert.deepEqual(project.scenes.map((s) => s.status), ['completed', 'completed', 'completed']);
    assert.ok(cluster.temporal, 'the real Temporal server, not the dev server');
  });

  it("serves the Temporal Web UI beside the server, and the server's own Prometheus metrics", async () => {
    assert.ok(cluster.temporalUiUrl, 'the Web UI server was built');
    const ui = await fetch(cluster.temporalUiUrl);
    assert.equal(ui.status, 200);
    assert.match(await ui.text(), /<html/i);
    const metrics = await fetch(cluster.temporal!.metricsUrl);
    assert.equal(metrics.status, 200);
    assert.match(await metrics.text(), /^# (HELP|TYPE) /m);
  });

  it('serves the admin API from any replica with the one admin token', async () => {
    for (let i = 0; i < 4; i += 1) {
      const response = await fetch(`${cluster.gatewayUrl}/api/v1/errors`, { headers: { authorization: `Bearer ${testAdminToken}`, ...freshConnection } });
      assert.equal(response.status, 200);
    }
  });
});

describe('chaos on the production shape (short): kill -9 a worker and a gateway replica, restart the Temporal server', function () {
  this.timeout(400_000);

  it('completes every film, loses no acknowledged webhook, creates no task twice, and the other replica keeps answering', async () => {
    const stack = await testStack();
    const report = await runChaos({
      projects: 12,
      scenes: 3,
      kills: { worker: 1, gateway: 1, temporal: 1 },
      seed: Number(process.env.CHAOS_SEED ?? 4243),
      databaseUrl: stack.databaseUrl,
      cluster: { workers: 2, gateways: 2 },
    });
    assertNothingLost(report);
    const summary = JSON.stringify(report);
    assert.equal(report.gatewayProbe.serverErrors, 0, summary);
    // A killed replica may take the requests it held; the other one answers the rest.
    assert.ok(report.gatewayProbe.connectionErrors <= 2, summary);
  });
});

import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { loadConfig } from '../../src/platform/config';
import { envNames } from '../../src/platform/env-schema';

/** Docker cannot run on CI machines, so the compose file is held to the code's configuration here. */
describe('docker-compose.yml', () => {
  const compose = parse(readFileSync(path.resolve(__dirname, '..', '..', 'docker-compose.yml'), 'utf8'), { merge: true });
  const services = compose.services as Record<string, any>;
  const defaults = loadConfig({}, 'stack');

  it('runs Temporal on PostgreSQL with its Web UI, PostgreSQL and Redis for the app, and the gateway and worker apart', () => {
    for (const name of ['temporal-db', 'temporal', 'temporal-ui', 'postgres', 'redis', 'gateway', 'worker']) {
      assert.ok(services[name], `service ${name}`);
    }
    assert.equal(services.temporal.environment.DB, 'postgres12');
    assert.equal(services.temporal.environment.POSTGRES_SEEDS, 'temporal-db');
    assert.match(services.gateway.command.join(' '), /dist\/src\/cli\/gateway\.js/);
    assert.match(services.worker.command.join(' '), /dist\/src\/cli\/worker\.js/);
  });

  it('passes the app only variables the code reads, and every one the gateway and worker require', () => {
    for (const name of ['gateway', 'worker', 'migrate']) {
      for (const key of Object.keys(services[name].environment)) assert.ok(envNames.includes(key as never), `${name}: ${key}`);
    }
    const gatewayEnv = Object.keys(services.gateway.environment);
    for (const key of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'VIDEO_WEBHOOK_SECRET', 'LAST_FRAME_WEBHOOK_SECRET', 'STITCH_WEBHOOK_SECRET']) {
      assert.ok(gatewayEnv.includes(key), `gateway needs ${key}`);
    }
    const workerEnv = Object.keys(services.worker.environment);
    for (const key of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'NEXT_PUBLIC_APP_URL', 'VIDEO_GENERATION_SERVICE', 'LAST_FRAME_SERVICE_URL', 'STITCH_SERVICE_URL']) {
      assert.ok(workerEnv.includes(key), `worker needs ${key}`);
    }
  });

  it('agrees on ports and hosts: gateway on PORT, Temporal on 7233, its UI on 8233', () => {
    const env = services.gateway.environment;
    assert.equal(Number(env.PORT), defaults.port);
    assert.ok(services.gateway.ports.includes(`${defaults.port}:${env.PORT}`));
    const [temporalHost, temporalPort] = env.TEMPORAL_ADDRESS.split(':');
    assert.ok(services[temporalHost], `TEMPORAL_ADDRESS host ${temporalHost} is a service`);
    assert.ok(services.temporal.ports.includes(`${temporalPort}:7233`));
    assert.ok(services['temporal-ui'].ports.includes('8233:8080'));
    const database = new URL(env.DATABASE_URL);
    assert.ok(services[database.hostname], 'DATABASE_URL host is a service');
    assert.equal(database.pathname, `/${services.postgres.environment.POSTGRES_DB}`);
    assert.ok(services[new URL(env.REDIS_URL).hostname], 'REDIS_URL host is a service');
    assert.equal(env.TEMPORAL_TASK_QUEUE, defaults.temporal.taskQueue);
    assert.equal(env.TEMPORAL_TASK_QUEUE, services.worker.environment.TEMPORAL_TASK_QUEUE);
  });

  it('registers the search attributes the workflows set', () => {
    const setup = services['temporal-setup'].command.join(' ');
    for (const attribute of ['ProjectId', 'ProjectStatus', 'CurrentScene']) assert.match(setup, new RegExp(`--name ${attribute}`));
  });
});

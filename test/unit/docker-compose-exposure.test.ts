import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { loadConfig } from '../../src/platform/load-config';
import { webhookEndpoints, webhookPath } from '../../src/contracts/steps';
import { loopback, publishedPort, readCompose, root } from '../support/compose';

/** Docker cannot run on CI machines: what the compose file publishes, and to whom, is checked here. */
describe('docker-compose.yml: what is exposed', () => {
  const { compose, services } = readCompose();
  const defaults = loadConfig({}, 'stack');
  const loadBalancer = services['load-balancer'];
  const [publicPort] = (loadBalancer.ports as string[]).map((entry) => publishedPort(entry)).filter((p) => !loopback.has(p.address));

  it("publishes one port on every address, the load balancer's; what operators use on 127.0.0.1 only", () => {
    const everyAddress = Object.entries(services).flatMap(([name, service]) =>
      ((service.ports ?? []) as string[]).map((entry) => ({ name, ...publishedPort(entry) })).filter((p) => !loopback.has(p.address)),
    );
    assert.deepEqual(everyAddress, [{ name: 'load-balancer', address: '0.0.0.0', host: String(defaults.port), container: String(defaults.port) }]);
    // Temporal's gRPC would let anyone signal, cancel or terminate a film; PostgreSQL holds everything.
    for (const [name, container] of [['temporal', '7233'], ['temporal-ui', '8080'], ['postgres', '5432'], ['prometheus', '9090'], ['grafana', '3000']]) {
      const ports = (services[name].ports as string[]).map((entry) => publishedPort(entry));
      assert.ok(ports.some((p) => p.container === container), `${name} is published for operators`);
      assert.ok(ports.every((p) => p.address === '127.0.0.1'), `${name}: ${JSON.stringify(services[name].ports)}`);
    }
    for (const name of ['redis', 'gateway', 'worker']) assert.equal(services[name].ports, undefined, `${name} publishes no port`);
  });

  it('writes no password or secret in the file: each comes from the environment, required with :?', () => {
    const text = readFileSync(path.join(root, 'docker-compose.yml'), 'utf8');
    const required = /^\$\{[A-Z][A-Z0-9_]*:\?[^}]+\}$/;
    const checked: string[] = [];
    for (const [name, service] of Object.entries(services)) {
      for (const [key, value] of Object.entries((service.environment ?? {}) as Record<string, unknown>)) {
        const where = `${name}: ${key}`;
        if (/PASSWORD|PWD|SECRET|TOKEN/.test(key)) {
          assert.match(String(value), required, where);
          checked.push(where);
        } else if (/API_KEY/.test(key)) {
          assert.match(String(value), /^\$\{[A-Z][A-Z0-9_]*:[-?][^}]*\}$/, `${where}: from the environment, never written here`);
        }
        const userinfo = /^[a-z][a-z0-9+.-]*:\/\/[^/@:]*:(.*)@/i.exec(String(value));
        if (userinfo) {
          assert.match(userinfo[1], required, `${where}: the password inside the URL`);
          checked.push(where);
        }
      }
    }
    for (const where of ['postgres: POSTGRES_PASSWORD', 'temporal: POSTGRES_PWD', 'temporal-schema: SQL_PASSWORD', 'gateway: DATABASE_URL', 'worker: DATABASE_URL', 'gateway: ADMIN_API_TOKEN', 'grafana: GF_SECURITY_ADMIN_PASSWORD']) {
      assert.ok(checked.includes(where), `${where} was checked`);
    }
    assert.ok(!/reelay:reelay@|PASSWORD: reelay|PWD: reelay/.test(text), 'the old literal password is gone');
  });

  describe('the load balancer', () => {
    const content = (compose.configs['load-balancer'].content as string).replace(/\$\$/g, '$');
    /** The `server { ... }` blocks, by the port each listens on. */
    const servers = new Map<string, string>();
    for (let at = content.search(/\bserver\s*\{/); at >= 0; ) {
      let depth = 0;
      let end = content.indexOf('{', at);
      do {
        if (content[end] === '{') depth += 1;
        if (content[end] === '}') depth -= 1;
        end += 1;
      } while (depth > 0);
      const block = content.slice(at, end);
      servers.set(/listen\s+(?:[\d.]+:)?(\d+)/.exec(block)![1], block);
      const next = content.slice(end).search(/\bserver\s*\{/);
      at = next < 0 ? -1 : end + next;
    }
    const locationsOf = (server: string) =>
      [...server.matchAll(/location\s+(=|~\*|~|\^~)?\s*(\S+)\s*\{([^}]*)\}/g)].map(([, modifier = '', pattern, body]) => ({ modifier, pattern, body }));
    /** nginx's choice of location: an exact match, else the longest prefix unless a regex (in order) matches. */
    const reachesGateway = (server: string, requestPath: string): boolean => {
      const locations = locationsOf(server);
      const exact = locations.find((l) => l.modifier === '=' && l.pattern === requestPath);
      const prefix = locations
        .filter((l) => (l.modifier === '' || l.modifier === '^~') && requestPath.startsWith(l.pattern))
        .sort((a, b) => b.pattern.length - a.pattern.length)[0];
      const regex = locations.find((l) => l.modifier.startsWith('~') && new RegExp(l.pattern, l.modifier === '~*' ? 'i' : '').test(requestPath));
      const chosen = exact ?? (prefix?.modifier === '^~' ? prefix : (regex ?? prefix));
      return Boolean(chosen && /proxy_pass\s+http:\/\/gateways\b/.test(chosen.body) && !/\bdeny\s+all\b/.test(chosen.body));
    };

    it("serves the public the webhooks (and the guide's GET health checks), the project and admin API, the console, /openapi.json and the signed asset links", () => {
      const publicServer = servers.get(publicPort.container)!;
      assert.ok(publicServer, `a server listens on the public port ${publicPort.container}`);
      const publicPaths = [...webhookEndpoints.map((endpoint) => webhookPath(endpoint)), '/api/v1/projects', '/api/v1/projects/film-1', '/api/v1/errors', '/console', '/console/films/film-1', '/openapi.json', '/assets/projects/film-1/film.mp4'];
      for (const requestPath of publicPaths) assert.ok(reachesGateway(publicServer, requestPath), `${requestPath} is served publicly`);
    });

    it("keeps /metrics and the gateway's own /health, /ready and /live off the public port; the private one, on 127.0.0.1, serves everything", () => {
      const publicServer = servers.get(publicPort.container)!;
      for (const requestPath of ['/metrics', '/metrics/', '/health', '/ready', '/live', '/api/webhooks/unknown', '/api/webhooks/video-complete/x', '/', '/anything']) {
        assert.ok(!reachesGateway(publicServer, requestPath), `${requestPath} must not be served publicly`);
      }
      const privatePorts = (loadBalancer.ports as string[]).map((entry) => publishedPort(entry)).filter((p) => loopback.has(p.address));
      assert.equal(privatePorts.length, 1, 'one private port');
      const privateServer = servers.get(privatePorts[0].container)!;
      for (const requestPath of ['/metrics', '/health', '/ready', '/console', '/api/v1/errors']) assert.ok(reachesGateway(privateServer, requestPath), `${requestPath} privately`);
      assert.deepEqual([...servers.keys()].sort(), [publicPort.container, privatePorts[0].container].sort(), 'no other server');
    });
  });
});

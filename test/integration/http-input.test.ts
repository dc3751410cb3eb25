import assert from 'node:assert/strict';
import type { Stack } from '../../src/dev/start-stack';
import { nonBlankNoNulPattern, nonBlankTextDescription } from '../../src/contracts/text';
import { getJson, postJson, uniqueId } from '../support/http';
import { asOperator } from '../support/clients';
import { buildOpenApiDocument } from '../../src/http/openapi';
import { testAdminToken, testStack } from '../support/test-stack';

/** Text PostgreSQL refuses, as it arrives in a URL: NUL, and U+D800 written as (invalid) UTF-8. */
const unstorableInUrl = { nul: 'a%00b', 'lone surrogate': '%ED%A0%80', 'lone surrogate after text': 'x%ED%B0%80' };
/** The same in JSON: NUL, a lone high and a lone low surrogate. */
const unstorableInJson = { nul: 'a\u0000b', 'lone high surrogate': 'a\ud800', 'lone low surrogate': '\udc00b' };

const admin = { authorization: `Bearer ${testAdminToken}` };

interface FieldsBody {
  error: string;
  message: string;
  details?: { fields: { field: string; message: string }[] };
}

function assertNamesField(res: { status: number; body: FieldsBody }, field: string, what: string) {
  assert.equal(res.status, 400, `${what}: ${JSON.stringify(res.body)}`);
  assert.equal(res.body.error, 'validation_failed', what);
  assert.ok(
    res.body.details?.fields.some((f) => f.field === field && typeof f.message === 'string'),
    `${what}: names ${field} in ${JSON.stringify(res.body.details)}`,
  );
}

describe('HTTP input PostgreSQL cannot store, and methods a path does not allow', function () {
  this.timeout(60_000);
  let stack: Stack;
  let url: string;
  let document: any;

  before(async () => {
    stack = await testStack();
    url = stack.gatewayUrl;
    document = (await getJson<any>(`${url}/openapi.json`)).body;
  });

  describe('NUL and lone surrogates', () => {
    it('are a 400 naming the parameter, for every query parameter of every path in /openapi.json', async () => {
      const queries = Object.entries<any>(document.paths).flatMap(([path, operations]) =>
        Object.entries<any>(operations).flatMap(([method, op]) =>
          (op.parameters ?? []).filter((p: any) => p.in === 'query').map((p: any) => ({ path, method, name: p.name as string })),
        ),
      );
      const names = queries.map((q) => `${q.path}?${q.name}`);
      // The list comes from the document, so a parameter added later is covered; these must be among them.
      for (const expected of ['/api/v1/errors?type', '/api/v1/errors?severity', '/api/v1/errors?since', '/api/v1/webhooks/events?project_id', '/api/v1/webhooks/events?endpoint']) {
        assert.ok(names.includes(expected), `${expected} in ${names.join(', ')}`);
      }
      for (const { path, method, name } of queries) {
        assert.equal(method, 'get', 'only GET operations take query parameters');
        for (const [kind, value] of Object.entries(unstorableInUrl)) {
          const res = await fetch(`${url}${path}?${encodeURIComponent(name)}=${value}`, { headers: admin });
          assertNamesField({ status: res.status, body: (await res.json()) as FieldsBody }, name, `${path}?${name} with ${kind}`);
        }
      }
    });

    it('are refused in a query parameter that is otherwise valid text, and alongside other parameters', async () => {
      const res = await getJson<FieldsBody>(`${url}/api/v1/errors?severity=warning&type=webhook%00_invalid_signature`);
      assert.equal(res.status, 401, 'the admin token comes first');
      const withToken = await fetch(`${url}/api/v1/errors?severity=warning&type=webhook%00_invalid_signature&limit=5`, { headers: admin });
      const body = (await withToken.json()) as FieldsBody;
      assertNamesField({ status: withToken.status, body }, 'type', 'type with a NUL');
      assert.deepEqual(body.details?.fields.map((f) => f.field), ['type']);
      // What is fine is still fine: text outside the BMP (a surrogate pair in UTF-16) is stored as sent.
      const emoji = await fetch(`${url}/api/v1/errors?type=${encodeURIComponent('film 🎬')}`, { headers: admin });
      assert.equal(emoji.status, 200);
    });

    it('never reach PostgreSQL through a path parameter either: 404 for a project id, 400 naming an event id', async () => {
      for (const value of [...Object.values(unstorableInUrl), '%ED%A0%80%00']) {
        // A project id outside the id alphabet names no project: the 404 /openapi.json gives this path.
        const project = await fetch(`${url}/api/v1/projects/${value}`, { headers: admin });
        assert.equal(project.status, 404, value);
        assert.equal(((await project.json()) as FieldsBody).error, 'project_not_found');
        // An event id must be a UUID: a 400 naming it.
        const event = await fetch(`${url}/api/v1/webhooks/events/${value}`, { headers: admin });
        assertNamesField({ status: event.status, body: (await event.json()) as FieldsBody }, 'id', `event id ${value}`);
        const replay = await fetch(`${url}/api/v1/webhooks/events/${value}/replay`, { method: 'POST', headers: admin });
        assert.equal(replay.status, 400);
        await replay.arrayBuffer();
      }
    });

    it('are a 400 naming the field of a project, and /openapi.json states the rule the validation enforces', async () => {
      const body = document.paths['/api/v1/projects'].post.requestBody.content['application/json'].schema;
      const prompt = body.properties.scenes.items.properties.prompt;
      const userId = body.properties.user_id;
      for (const schema of [prompt, userId]) {
        assert.equal(schema.type, 'string');
        assert.equal(schema.pattern, nonBlankNoNulPattern.source, 'the pattern is the one the schema validates with');
        assert.equal(schema.description, nonBlankTextDescription);
        assert.match(schema.description, /NUL/);
        assert.match(schema.description, /unpaired UTF-16 surrogates/);
      }
      // The documented pattern, read as any client reads it, refuses NUL and blank text as the gateway
      // does (a prompt is trimmed); the description says the rest.
      for (const flags of ['', 'u']) {
        const documented = new RegExp(prompt.pattern, flags);
        for (const refused of ['a\u0000b', '', ' ', ' \t\n\u3000\ufeff']) assert.equal(documented.test(refused), false, JSON.stringify(refused));
        for (const accepted of ['a harbour at dawn 🎬, ünïcödé', ' x ', '\u001c', '\u0085']) assert.equal(documented.test(accepted), true, JSON.stringify(accepted));
      }
      for (const blank of ['', ' ', ' \t\n\u3000\ufeff']) {
        assertNamesField(await postJson<FieldsBody>(`${url}/api/v1/projects`, { scenes: [{ prompt: blank }] }, asOperator), 'scenes.0.prompt', `prompt ${JSON.stringify(blank)}`);
      }
      // maxLength is that of the text sent, before trimming, as the document says.
      const long = ` ${'x'.repeat(4000)}`;
      assert.equal(long.length > prompt.maxLength, true);
      assertNamesField(await postJson<FieldsBody>(`${url}/api/v1/projects`, { scenes: [{ prompt: long }] }, asOperator), 'scenes.0.prompt', 'a prompt over maxLength');
      for (const [kind, text] of Object.entries(unstorableInJson)) {
        const sent = await postJson<FieldsBody>(`${url}/api/v1/projects`, { scenes: [{ prompt: 'fine' }, { prompt: text }] }, asOperator);
        assertNamesField(sent, 'scenes.1.prompt', `prompt with ${kind}`);
        const user = await postJson<FieldsBody>(`${url}/api/v1/projects`, { user_id: text, scenes: [{ prompt: 'fine' }] }, asOperator);
        assertNamesField(user, 'user_id', `user_id with ${kind}`);
      }
      // The first scene's prompt, by the name the OpenAPI document's path gives it.
      assertNamesField(await postJson<FieldsBody>(`${url}/api/v1/projects`, { scenes: [{ prompt: '\u0000' }] }, asOperator), 'scenes.0.prompt', 'a NUL prompt');
      // Raw JSON with the escapes as a client writes them.
      const raw = await postJson<FieldsBody>(`${url}/api/v1/projects`, '{"scenes":[{"prompt":"dawn \\ud800 harbour"}]}', asOperator);
      assertNamesField(raw, 'scenes.0.prompt', 'an escaped lone surrogate');

      const created = await postJson(`${url}/api/v1/projects`, { project_id: uniqueId('storable'), scenes: [{ prompt: 'a harbour at dawn 🎬, ünïcödé' }] }, asOperator);
      assert.equal(created.status, 201);
    });
  });

  describe('a project body', () => {
    it('may carry any extra key, "__proto__" included, which is dropped (the document allows extra properties)', async () => {
      const projectId = uniqueId('proto');
      const raw = `{"__proto__": [], "project_id": "${projectId}", "extra": {"__proto__": {"polluted": true}}, "scenes": [{"prompt": "dawn", "__proto__": null}]}`;
      const res = await postJson(`${url}/api/v1/projects`, raw, asOperator);
      assert.equal(res.status, 201, JSON.stringify(res.body));
      assert.equal(({} as Record<string, unknown>).polluted, undefined);
      const view = await getJson<any>(`${url}/api/v1/projects/${projectId}`, asOperator);
      assert.deepEqual(view.body.scenes.map((s: any) => s.prompt), ['dawn']);
    });

    it('is read compressed, and refused as malformed, too large or in an unknown encoding with the documented errors', async () => {
      const { gzipSync } = await import('node:zlib');
      const body = JSON.stringify({ project_id: uniqueId('gzip'), scenes: [{ prompt: 'compressed' }] });
      const post = (data: Buffer | string, headers: Record<string, string> = {}) =>
        fetch(`${url}/api/v1/projects`, { method: 'POST', headers: { 'content-type': 'application/json', ...asOperator, ...headers }, body: data });
      assert.equal((await post(gzipSync(body), { 'content-encoding': 'gzip' })).status, 201);
      const { brotliCompressSync, deflateSync } = await import('node:zlib');
      const compressed: [string, (text: string) => Buffer][] = [['x-gzip', gzipSync], [' GZip ', gzipSync], ['deflate', deflateSync], ['br', brotliCompressSync]];
      for (const [encoding, compress] of compressed) {
        const sent = await post(compress(JSON.stringify({ project_id: uniqueId('compressed'), scenes: [{ prompt: encoding }] })), { 'content-encoding': encoding });
        assert.equal(sent.status, 201, `Content-Encoding ${encoding}`);
      }
      const notGzip = await post('{"scenes": []}', { 'content-encoding': 'gzip' });
      assert.equal(notGzip.status, 400);
      assert.equal(((await notGzip.json()) as FieldsBody).error, 'malformed_json');
      const unknown = await post(body, { 'content-encoding': 'zstd-ish' });
      assert.equal(unknown.status, 415);
      assert.equal(((await unknown.json()) as FieldsBody).error, 'unsupported_media_type');
      const malformed = await post('{"scenes": [');
      assert.equal(malformed.status, 400);
      assert.equal(((await malformed.json()) as FieldsBody).error, 'malformed_json');
      const huge = await post(JSON.stringify({ scenes: [{ prompt: 'x'.repeat(1024 * 1024) }] }));
      assert.equal(huge.status, 413);
      assert.equal(((await huge.json()) as FieldsBody).error, 'payload_too_large');
      const hugeZipped = await post(gzipSync(JSON.stringify({ scenes: [{ prompt: ' '.repeat(4 * 1024 * 1024) }] })), { 'content-encoding': 'gzip' });
      assert.equal(hugeZipped.status, 413, 'the limit applies to the decompressed body');
    });
  });

  describe('405 with Allow on every path that exists', () => {
    // Every documented path, with its documented methods (HEAD comes with GET), so a route added later is
    // covered; path parameters get a sample value.
    const documented = buildOpenApiDocument('test').paths as Record<string, Record<string, unknown>>;
    const sample: Record<string, string> = { id: 'some-project', n: '0', user_id: 'some-user', key: 'some-key', provider: 'fal' };
    const paths: { path: string; allowed: string[] }[] = Object.entries(documented).map(([template, operations]) => ({
      path: template.replace(/\{(\w+)\}/g, (_, name: string) => sample[name] ?? `some-${name}`),
      allowed: Object.keys(operations)
        .filter((m) => ['get', 'put', 'post', 'delete', 'patch'].includes(m))
        .map((m) => m.toUpperCase()),
    }));
    paths.push({ path: '/openapi.json', allowed: ['GET'] });
    for (const { path, allowed } of paths) {
      it(`${path}: ${allowed.join(', ')} and nothing else`, async () => {
        for (const method of ['PUT', 'DELETE', 'POST', 'PATCH', 'GET'].filter((m) => !allowed.includes(m))) {
          const res = await fetch(`${url}${path}`, { method, headers: admin });
          assert.equal(res.status, 405, `${method} ${path}`);
          const allow = (res.headers.get('allow') ?? '').split(/,\s*/);
          for (const m of allowed) assert.ok(allow.includes(m), `${method} ${path}: Allow ${allow.join(', ')} has ${m}`);
          assert.ok(!allow.includes(method), `${method} ${path}: Allow ${allow.join(', ')}`);
          assert.match(res.headers.get('content-type') ?? '', /application\/json/);
          const body = (await res.json()) as FieldsBody;
          assert.equal(body.error, 'method_not_allowed');
          assert.equal(typeof body.message, 'string');
        }
      });
    }

    it('still serves GET /health, /metrics and /openapi.json, and HEAD', async () => {
      const health = await getJson(`${url}/health`);
      assert.equal(health.status, 200);
      assert.equal(health.body.status, 'ok');
      const metrics = await fetch(`${url}/metrics`);
      assert.equal(metrics.status, 200);
      assert.match(await metrics.text(), /reelay_webhook_requests_total/);
      assert.equal((await fetch(`${url}/health`, { method: 'HEAD' })).status, 200);
      assert.equal((await getJson(`${url}/health/nothing`)).status, 404);
    });
  });
});

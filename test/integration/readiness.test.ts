import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';
import { Client } from '@temporalio/client';
import { msToTs } from '@temporalio/common/lib/time';
import { searchAttributeRegistrations } from '../../src/contracts/workflow-api';
import type { Stack } from '../../src/dev/start-stack';
import { extraGateways } from '../support/extra-gateway';
import { getJson, postJson, uniqueId } from '../support/http';
import { asOperator } from '../support/clients';
import { waitFor } from '../support/projects';
import { testStack } from '../support/test-stack';

const root = path.resolve(__dirname, '..', '..');
const allAttributes = searchAttributeRegistrations.map(([name]) => name).sort();

/** `npm run temporal:setup` as an operator runs it, against the suite's Temporal. */
async function runSetup(stack: Stack, namespace: string) {
  const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/setup-temporal.ts')], {
    cwd: root,
    env: { ...process.env, TEMPORAL_ADDRESS: stack.temporalAddress, TEMPORAL_NAMESPACE: namespace, NODE_ENV: 'production' },
  });
  return stdout.trim();
}

/**
 * A gateway whose Temporal namespace lacks the search attributes the workflows set (a new namespace, or
 * gateways rolled out before the setup step): it says it is not ready, and film creation is a 503 that
 * names the cause, never a 500, until the setup step has run.
 */
describe('readiness: a gateway serves films only once its namespace is set up', function () {
  this.timeout(120_000);
  let stack: Stack;
  let namespace: string;
  let gatewayUrl: string;
  const gateway = extraGateways(() => stack);
  const film = { project_id: uniqueId('ready'), user_id: 'user-ready', scenes: [{ prompt: 'a harbour at dawn' }, { prompt: 'the boats leave' }] };

  before(async () => {
    stack = await testStack();
    namespace = uniqueId('bare');
    await stack.client.connection.workflowService.registerNamespace({ namespace, workflowExecutionRetentionPeriod: msToTs('1 day') });
    const temporal = new Client({ connection: stack.client.connection, namespace });
    // A namespace is usable once the frontend's cache has it.
    await waitFor(() => temporal.workflowService.describeNamespace({ namespace }).then(() => true, () => false), 30_000, 'the new namespace');
    ({ url: gatewayUrl } = await gateway({ TEMPORAL_NAMESPACE: namespace }, { temporal }));
  });

  it('answers /ready 503 with Retry-After and the missing attributes, while /live stays 200', async () => {
    const ready = await getJson<any>(`${gatewayUrl}/ready`);
    assert.equal(ready.status, 503);
    assert.equal(ready.headers.get('retry-after'), '5');
    assert.equal(ready.body.ready, false);
    assert.deepEqual(ready.body.temporal, { reachable: true });
    assert.deepEqual(ready.body.database, { reachable: true });
    assert.deepEqual([...ready.body.search_attributes.missing].sort(), allAttributes);
    assert.deepEqual(ready.body.reasons, [
      `Temporal namespace ${namespace} lacks the search attributes ${searchAttributeRegistrations.map(([n]) => n).join(', ')}: run \`npm run temporal:setup\` (docs/operations.md)`,
    ]);
    const live = await getJson(`${gatewayUrl}/live`);
    assert.deepEqual({ status: live.status, body: live.body }, { status: 200, body: { status: 'ok' } });
  });

  it('answers film creation 503 with Retry-After naming the cause, and logs one system error for the episode', async () => {
    const since = new Date();
    const first = await postJson<any>(`${gatewayUrl}/api/v1/projects`, film, asOperator);
    assert.equal(first.status, 503);
    assert.equal(first.headers.get('retry-after'), '5');
    assert.equal(first.body.code, 'namespace_not_ready');
    assert.match(first.body.message, new RegExp(`^Temporal namespace ${namespace} lacks the search attributes ProjectId, ProjectStatus, CurrentScene: run \`npm run temporal:setup\``));
    const second = await postJson<any>(`${gatewayUrl}/api/v1/projects`, { ...film, project_id: uniqueId('ready') }, asOperator);
    assert.equal(second.status, 503);

    const logged = await stack.prisma.errorLog.findMany({ where: { code: 'search_attributes_missing', createdAt: { gte: since } } });
    assert.equal(logged.length, 1, 'one entry for the episode, not one per refused request');
    assert.equal(logged[0].type, 'system');
    assert.equal(logged[0].severity, 'critical');
    assert.deepEqual((logged[0].context as any).namespace, namespace);
  });

  it('is ready, and makes the film, once `npm run temporal:setup` has run (idempotent)', async () => {
    assert.equal(await runSetup(stack, namespace), `Registered search attributes ${searchAttributeRegistrations.map(([n]) => n).join(', ')} in namespace ${namespace} at ${stack.temporalAddress}`);
    assert.equal(await runSetup(stack, namespace), `Namespace ${namespace} at ${stack.temporalAddress} already has every search attribute Reelay needs`);

    const ready = await waitFor(async () => {
      const answer = await getJson<any>(`${gatewayUrl}/ready`);
      return answer.status === 200 && answer;
    }, 15_000, 'the gateway to be ready');
    assert.deepEqual(ready.body, { ready: true, temporal: { reachable: true }, database: { reachable: true }, search_attributes: { missing: [] }, reasons: [] });

    // The refused request left its project pending: the same request now starts its workflow.
    const created = await postJson<any>(`${gatewayUrl}/api/v1/projects`, film, asOperator);
    assert.equal(created.status, 200);
    assert.equal(created.body.status, 'pending');
    const described = await new Client({ connection: stack.client.connection, namespace }).workflow.getHandle(created.body.workflow_id).describe();
    assert.equal(described.status.name, 'RUNNING');
    assert.equal(described.searchAttributes.ProjectId?.[0], film.project_id);
  });

  it('prints the commands for a cluster it cannot reach (Temporal CLI and tcld), connecting to nothing', async () => {
    const { stdout } = await promisify(execFile)(process.execPath, ['--import', 'tsx', path.join(root, 'src/cli/setup-temporal.ts'), '--print'], {
      cwd: root,
      env: { ...process.env, TEMPORAL_ADDRESS: '', TEMPORAL_NAMESPACE: 'films.acme' },
    });
    assert.deepEqual(stdout.trim().split('\n'), [
      'temporal operator search-attribute create --namespace films.acme --name ProjectId --type Keyword',
      'temporal operator search-attribute create --namespace films.acme --name ProjectStatus --type Keyword',
      'temporal operator search-attribute create --namespace films.acme --name CurrentScene --type Int',
      'tcld namespace search-attributes add --namespace films.acme --search-attribute "ProjectId=Keyword"',
      'tcld namespace search-attributes add --namespace films.acme --search-attribute "ProjectStatus=Keyword"',
      'tcld namespace search-attributes add --namespace films.acme --search-attribute "CurrentScene=Int"',
    ]);
  });
});

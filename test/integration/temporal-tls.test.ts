import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { Connection, type ConnectionOptions } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import { findTemporalServer } from '../../src/dev/temporal/server-binaries';
import { serverPorts, startTemporalServer, type TemporalServer } from '../../src/dev/temporal/temporal-server';
import { loadConfig } from '../../src/platform/load-config';
import { temporalConnectionOptions } from '../../src/platform/temporal-connection';
import { privateCa } from '../support/certificates';
import { testStack } from '../support/test-stack';

/**
 * A secured cluster, as Temporal Cloud and most self-hosted production clusters are: the real Temporal
 * server with TLS on its frontend and client certificates required (mTLS), certificates from a CA made
 * for the test. The gateway's client and the worker's native connection both connect from the
 * TEMPORAL_TLS_* variables; without them the server refuses.
 */
describe('Temporal over mTLS (TEMPORAL_TLS_CERT, TEMPORAL_TLS_KEY, TEMPORAL_TLS_CA, TEMPORAL_TLS_SERVER_NAME)', function () {
  this.timeout(180_000);
  let dir: string;
  let server: TemporalServer;
  let env: Record<string, string>;

  before(async () => {
    const binaries = findTemporalServer();
    assert.ok(binaries, 'the Temporal server is built by the test preparation (npm test builds it once)');
    const stack = await testStack();
    dir = await mkdtemp(path.join(os.tmpdir(), 'reelay-tls-'));
    const ca = privateCa();
    const serverCert = ca.server('temporal.reelay.test');
    const clientCert = ca.client('reelay-worker');
    const file = async (name: string, pem: string) => {
      await writeFile(path.join(dir, name), pem);
      return path.join(dir, name);
    };
    const files = {
      ca: await file('ca.pem', ca.caPem),
      serverCert: await file('server.pem', serverCert.certPem),
      serverKey: await file('server-key.pem', serverCert.keyPem),
      clientCert: await file('client.pem', clientCert.certPem),
      clientKey: await file('client-key.pem', clientCert.keyPem),
    };
    env = { TEMPORAL_TLS_CERT: files.clientCert, TEMPORAL_TLS_KEY: files.clientKey, TEMPORAL_TLS_CA: files.ca, TEMPORAL_TLS_SERVER_NAME: 'temporal.reelay.test' };
    const ports = await serverPorts();
    const config = loadConfig({ ...env, TEMPORAL_ADDRESS: `127.0.0.1:${ports.frontend}` }, 'stack');
    server = await startTemporalServer({
      binaries,
      databaseUrl: stack.databaseUrl,
      databases: { default: 'temporal_tls', visibility: 'temporal_tls_visibility' },
      dataDir: path.join(dir, 'temporal'),
      ports,
      namespace: 'default',
      tls: { certFile: files.serverCert, keyFile: files.serverKey, caFile: files.ca, serverName: 'temporal.reelay.test', clientCaFile: files.ca },
      clientTls: temporalConnectionOptions(config.temporal).tls,
    });
  });

  after(async () => {
    await server?.stop();
    await rm(dir, { recursive: true, force: true });
  });

  const configured = (extra: Record<string, string> = {}) => loadConfig({ ...env, TEMPORAL_ADDRESS: server.address, ...extra }, 'stack').temporal;

  it("connects the gateway's client and the worker's native connection with the client certificate", async () => {
    const client = await Connection.connect(temporalConnectionOptions(configured()));
    const info = await client.workflowService.getSystemInfo({});
    assert.ok(info.serverVersion?.startsWith('1.29'), info.serverVersion ?? '');
    await client.close();
    const native = await NativeConnection.connect(temporalConnectionOptions(configured()));
    const described = await native.workflowService.describeNamespace({ namespace: 'default' });
    assert.equal(described.namespaceInfo?.name, 'default');
    await native.close();
  });

  /**
   * One call, not retried (no interceptors), so the error is the channel's own: gRPC's UNAVAILABLE with
   * the reason the connection failed. `Connection.connect` would only say it did not connect in time.
   */
  async function firstCall(options: ConnectionOptions) {
    const connection = Connection.lazy({ ...options, interceptors: [] });
    try {
      return await connection.workflowService.getSystemInfo({});
    } finally {
      await connection.close();
    }
  }

  it('is refused without TLS, and with TLS but no client certificate', async () => {
    // Plain HTTP/2 reaches the port and is dropped before gRPC starts (a server that is down answers ECONNREFUSED).
    await assert.rejects(firstCall({ address: server.address }), (err: Error) => {
      assert.match(err.message, /^14 UNAVAILABLE: No connection established\. Last error: Failed to connect /);
      return true;
    });
    // TLS with the right CA and server name but no client certificate: the server's TLS alert 116.
    const withoutCert = configured({ TEMPORAL_TLS_CERT: '', TEMPORAL_TLS_KEY: '' });
    await assert.rejects(firstCall(temporalConnectionOptions(withoutCert)), (err: Error) => {
      assert.match(err.message, /^14 UNAVAILABLE: No connection established\. Last error: .*tlsv13 alert certificate required/);
      return true;
    });
    // And with it, the same call answers.
    assert.ok((await firstCall(temporalConnectionOptions(configured()))).serverVersion?.startsWith('1.29'));
  });
});

import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { ConfigError } from '../../src/platform/config';
import { loadConfig } from '../../src/platform/load-config';
import { temporalConnectionOptions } from '../../src/platform/temporal-connection';

const pem = (label: string) => `-----BEGIN ${label}-----\nMIIB\n-----END ${label}-----\n`;
const temporal = (env: Record<string, string>) => loadConfig({ TEMPORAL_ADDRESS: 'temporal.example.com:7233', ...env }, 'stack').temporal;

describe('connecting to Temporal: plain, TLS, mTLS, API key (TEMPORAL_TLS_*, TEMPORAL_API_KEY)', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(os.tmpdir(), 'reelay-tls-config-'));
  });
  after(() => rm(dir, { recursive: true, force: true }));

  it('is plain gRPC when nothing is set', () => {
    assert.deepEqual(temporalConnectionOptions(temporal({})), { address: 'temporal.example.com:7233' });
  });

  it('turns TLS on with the system CAs for TEMPORAL_TLS=true, and for an API key (Temporal Cloud takes keys over TLS only)', () => {
    assert.deepEqual(temporalConnectionOptions(temporal({ TEMPORAL_TLS: 'true' })).tls, {});
    const withKey = temporalConnectionOptions(temporal({ TEMPORAL_API_KEY: 'key-123' }));
    assert.deepEqual(withKey.tls, {});
    assert.equal(withKey.apiKey, 'key-123');
  });

  it('reads the client certificate, key and CA from files, or takes the PEM itself, with the server name', async () => {
    const certFile = path.join(dir, 'client.pem');
    await writeFile(certFile, pem('CERTIFICATE'));
    const options = temporalConnectionOptions(
      temporal({ TEMPORAL_TLS_CERT: certFile, TEMPORAL_TLS_KEY: pem('PRIVATE KEY'), TEMPORAL_TLS_CA: pem('CERTIFICATE'), TEMPORAL_TLS_SERVER_NAME: 'temporal.internal' }),
    );
    assert.ok(options.tls && typeof options.tls === 'object');
    assert.equal(options.tls.clientCertPair?.crt.toString(), pem('CERTIFICATE'));
    // Inline PEMs arrive trimmed, as every variable does; PEM readers do not need the last newline.
    assert.equal(options.tls.clientCertPair?.key.toString(), pem('PRIVATE KEY').trim());
    assert.equal(options.tls.serverRootCACertificate?.toString(), pem('CERTIFICATE').trim());
    assert.equal(options.tls.serverNameOverride, 'temporal.internal');
  });

  it('names the problem: a certificate without its key, a file it cannot read', () => {
    assert.throws(() => temporal({ TEMPORAL_TLS_CERT: pem('CERTIFICATE') }), (err: ConfigError) => /TEMPORAL_TLS_CERT and TEMPORAL_TLS_KEY/.test(err.message));
    assert.throws(() => temporal({ TEMPORAL_TLS_CA: path.join(dir, 'missing.pem') }), (err: ConfigError) => /TEMPORAL_TLS_CA: cannot read .*missing\.pem \(ENOENT\)/.test(err.message));
  });
});

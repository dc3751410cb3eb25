import type { Config } from './config';

/** What `Connection.connect` and `NativeConnection.connect` take, from the configuration. */
export interface TemporalConnectionOptions {
  address: string;
  tls?: boolean | { clientCertPair?: { crt: Buffer; key: Buffer }; serverRootCACertificate?: Buffer; serverNameOverride?: string };
  apiKey?: string;
}

/**
 * One reading of TEMPORAL_ADDRESS, TEMPORAL_TLS_* and TEMPORAL_API_KEY for every connection the gateway,
 * the worker and the stack open: plain gRPC, TLS, mTLS, or an API key as Temporal Cloud takes it.
 */
export function temporalConnectionOptions(temporal: Config['temporal']): TemporalConnectionOptions {
  if (!temporal.address) throw new Error('TEMPORAL_ADDRESS is not set');
  const { tls } = temporal;
  const options: TemporalConnectionOptions = { address: temporal.address };
  if (tls) {
    const { clientCert, clientKey, ca, serverName } = tls;
    options.tls = {
      ...(clientCert && clientKey ? { clientCertPair: { crt: Buffer.from(clientCert), key: Buffer.from(clientKey) } } : {}),
      ...(ca ? { serverRootCACertificate: Buffer.from(ca) } : {}),
      ...(serverName ? { serverNameOverride: serverName } : {}),
    };
  }
  if (temporal.apiKey) options.apiKey = temporal.apiKey;
  return options;
}

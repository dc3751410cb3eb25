import { stringify } from 'yaml';

export interface ServerPorts {
  /** The frontend's gRPC port, the one clients use (7233). */
  frontend: number;
  frontendHttp: number;
  history: number;
  matching: number;
  worker: number;
  /** One membership (ringpop) port per service, in the order above. */
  membership: [number, number, number, number];
  metrics: number;
}

export interface ServerDatabase {
  host: string;
  port: number;
  user: string;
  password: string;
  /** The history store and the visibility store: two databases on one PostgreSQL. */
  databases: { default: string; visibility: string };
}

/** TLS on the frontend (what clients see); files in PEM. */
export interface ServerTls {
  certFile: string;
  keyFile: string;
  /** CA that signed the server's certificate, for the server's own internal clients. */
  caFile: string;
  serverName: string;
  /** mTLS: clients must present a certificate signed by this CA. */
  clientCaFile?: string;
}

export interface ServerConfigOptions {
  ports: ServerPorts;
  database: ServerDatabase;
  dynamicConfigFile: string;
  tls?: ServerTls;
  /** Fixed at schema creation: history shards cannot change afterwards. */
  historyShards?: number;
}

/**
 * The server's configuration (what `config/development-postgres12.yaml` in go.temporal.io/server holds,
 * for one process on 127.0.0.1): PostgreSQL persistence with SQL visibility, all four services, Prometheus
 * metrics, optional TLS on the frontend.
 */
export function renderServerConfig({ ports, database, dynamicConfigFile, tls, historyShards = 4 }: ServerConfigOptions): string {
  const store = (databaseName: string, maxConns: number) => ({
    sql: {
      pluginName: 'postgres12',
      databaseName,
      connectAddr: `${database.host}:${database.port}`,
      connectProtocol: 'tcp',
      user: database.user,
      password: database.password,
      maxConns,
      maxIdleConns: maxConns,
      maxConnLifetime: '1h',
    },
  });
  const service = (grpcPort: number, membershipPort: number, extra: object = {}) => ({
    rpc: { grpcPort, membershipPort, bindOnLocalHost: true, ...extra },
  });
  const [frontendRing, historyRing, matchingRing, workerRing] = ports.membership;
  return stringify({
    log: { stdout: true, level: 'warn' },
    persistence: {
      defaultStore: 'default',
      visibilityStore: 'visibility',
      numHistoryShards: historyShards,
      datastores: { default: store(database.databases.default, 20), visibility: store(database.databases.visibility, 4) },
    },
    global: {
      membership: { maxJoinDuration: '30s', broadcastAddress: '127.0.0.1' },
      metrics: { prometheus: { framework: 'tally', timerType: 'histogram', listenAddress: `127.0.0.1:${ports.metrics}` } },
      ...(tls
        ? {
            tls: {
              frontend: {
                server: {
                  certFile: tls.certFile,
                  keyFile: tls.keyFile,
                  requireClientAuth: Boolean(tls.clientCaFile),
                  ...(tls.clientCaFile ? { clientCaFiles: [tls.clientCaFile] } : {}),
                },
                // The server's own services (its worker) call the frontend too.
                client: { serverName: tls.serverName, rootCaFiles: [tls.caFile] },
              },
            },
          }
        : {}),
    },
    services: {
      frontend: service(ports.frontend, frontendRing, { httpPort: ports.frontendHttp }),
      history: service(ports.history, historyRing),
      matching: service(ports.matching, matchingRing),
      worker: service(ports.worker, workerRing),
    },
    clusterMetadata: {
      enableGlobalNamespace: false,
      failoverVersionIncrement: 10,
      masterClusterName: 'active',
      currentClusterName: 'active',
      clusterInformation: { active: { enabled: true, initialFailoverVersion: 1, rpcName: 'frontend', rpcAddress: `127.0.0.1:${ports.frontend}` } },
    },
    dcRedirectionPolicy: { policy: 'noop' },
    dynamicConfigClient: { filepath: dynamicConfigFile, pollInterval: '10s' },
  });
}

/** Dynamic configuration: what the dev server sets that Reelay relies on, nothing else. */
export function renderDynamicConfig(): string {
  const value = (v: unknown) => [{ value: v, constraints: {} }];
  return stringify({
    // Search attributes registered by the worker are usable at once, not after a cache refresh.
    'system.forceSearchAttributesCacheRefreshOnRead': value(true),
    // As `npm start`: an activity scheduled by a workflow task goes straight back to that worker.
    'system.enableActivityEagerExecution': value(true),
    'limit.maxIDLength': value(255),
  });
}

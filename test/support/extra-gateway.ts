import { randomBytes } from 'node:crypto';
import type { AddressInfo } from 'node:net';
import type { Client } from '@temporalio/client';
import { loadConfig } from '../../src/platform/load-config';
import { createGateway, type Gateway } from '../../src/http/app';
import { closeServer, listen } from '../../src/platform/http-server';
import { createLogger, type Logger } from '../../src/platform/logger';
import type { Stack } from '../../src/dev/start-stack';
import type { Database } from '../../src/storage/database';
import { testEnv } from './test-stack';

export interface ExtraGateway {
  url: string;
  gateway: Gateway;
  close(): Promise<void>;
}

/**
 * Another gateway on the shared stack's Temporal and PostgreSQL, with its own configuration: rate
 * limits, Redis, proxies, CORS, body limits. Gateways given the same `rateLimitKeyPrefix` share limits.
 */
export async function startExtraGateway(
  stack: Stack,
  env: Record<string, string | undefined>,
  {
    rateLimitKeyPrefix = `test:${randomBytes(4).toString('hex')}`,
    logger,
    temporal = stack.client,
    database = stack.database,
  }: { rateLimitKeyPrefix?: string; logger?: Logger; temporal?: Client; database?: Database } = {},
): Promise<ExtraGateway> {
  const config = loadConfig(testEnv({ REDIS_URL: stack.config.redisUrl, ...env }), 'stack');
  const gateway = createGateway({
    config,
    database,
    temporal,
    connection: temporal.connection as never,
    logger: logger ?? createLogger({ level: 'silent' }),
    rateLimitKeyPrefix,
  });
  const server = await listen(gateway.app.callback(), 0, '127.0.0.1');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`,
    gateway,
    close: async () => {
      await closeServer(server);
      await gateway.close();
    },
  };
}

/**
 * For a describe block: `gateway(env)` starts an extra gateway on the shared stack, and every one
 * started is closed after the block.
 */
export function extraGateways(stack: () => Stack) {
  const started: ExtraGateway[] = [];
  after(() => Promise.all(started.map((g) => g.close())));
  return async (env: Record<string, string | undefined>, options?: Parameters<typeof startExtraGateway>[2]) => {
    const g = await startExtraGateway(stack(), env, options);
    started.push(g);
    return g;
  };
}

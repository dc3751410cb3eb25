import type { Stack } from '../../src/dev/start-stack';
import { AppProcess } from './app-process';
import { freePort, testEnv } from './test-stack';

/**
 * `npm run gateway` as a real child process on the shared test stack (its PostgreSQL, Temporal and
 * Redis), on a port of its own that it keeps across restarts: a replica that can be killed -9 and come
 * back where senders expect it. `env` over that (a provider stand-in's keys).
 */
export class GatewayProcess extends AppProcess {
  private constructor(
    env: NodeJS.ProcessEnv,
    readonly port: number,
  ) {
    super('gateway', env, () => `http://127.0.0.1:${port}/health`);
  }

  static async onStack(stack: Stack, env: Record<string, string> = {}): Promise<GatewayProcess> {
    const port = await freePort();
    const gatewayEnv = testEnv({
      LOG_LEVEL: 'warn',
      PORT: String(port),
      DATABASE_URL: stack.databaseUrl,
      TEMPORAL_ADDRESS: stack.temporalAddress,
      REDIS_URL: stack.config.redisUrl,
      RATE_LIMIT_ENABLED: 'false',
      ...env,
    });
    return new GatewayProcess({ ...process.env, ...gatewayEnv }, port);
  }

  get url(): string {
    return `http://127.0.0.1:${this.port}`;
  }
}

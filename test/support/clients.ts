import { createApiKeys } from '../../src/storage/api-keys';
import { createClients, type ClientLimits } from '../../src/storage/clients';
import type { Stack } from '../../src/dev/start-stack';
import { uniqueId } from './http';
import { testAdminToken } from './test-stack';

/**
 * The operator's credential on the project API: its films have no client and keep their ids as given
 * (`project-<id>` workflows), as every film did before clients.
 */
export const asOperator: Record<string, string> = { authorization: `Bearer ${testAdminToken}` };

export interface TestClient {
  name: string;
  keyId: string;
  key: string;
  /** `Authorization: Bearer <key>`. */
  headers: Record<string, string>;
  /** The whole id of this client's film `projectId` (what workflows, services and webhooks use). */
  film(projectId: string): string;
}

/** A new client of the stack with one key; generous quotas unless the test sets its own. */
export async function newTestClient(stack: Stack, limits: ClientLimits = { requestsPerMinute: 100_000, maxRunningFilms: 1000 }): Promise<TestClient> {
  const name = uniqueId('client');
  await createClients(stack.prisma).create(name, limits);
  const { id, key } = await createApiKeys(stack.prisma).issue(name);
  return { name, keyId: id, key, headers: { authorization: `Bearer ${key}` }, film: (projectId) => `${projectId}@${name}` };
}

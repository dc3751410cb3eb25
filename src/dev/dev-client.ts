import { chmod, mkdir, readFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { createApiKeys } from '../storage/api-keys';
import { createClients } from '../storage/clients';
import type { PrismaClient } from '../storage/prisma';

/** The client `npm start` makes for trying the API (and `npm run demo` uses). */
export const devClientName = 'dev';

/** Where `npm start` keeps the development client's key, so `npm run demo` and a restart find it. */
export const devKeyFile = (dataDir: string) => path.join(dataDir, 'dev-api-key');

/**
 * Development only: the key of the `dev` client, made (with the client) when there is no working one.
 * Keys are stored hashed, so the plaintext is kept in a file beside the development data (mode 600) to
 * be shown again on the next start. Never called in production, where keys are made with
 * `npm run clients` and never written to disk.
 */
export async function ensureDevelopmentKey(prisma: PrismaClient, dataDir: string): Promise<{ key: string; created: boolean }> {
  const apiKeys = createApiKeys(prisma);
  const file = devKeyFile(dataDir);
  const kept = (await readFile(file, 'utf8').catch(() => '')).trim();
  if (kept && (await apiKeys.check(kept)).ok) return { key: kept, created: false };
  const clients = createClients(prisma);
  if (!(await clients.find(devClientName))) await clients.create(devClientName);
  const { key } = await apiKeys.issue(devClientName);
  await mkdir(dataDir, { recursive: true });
  await writeFile(file, `${key}\n`, { mode: 0o600 });
  await chmod(file, 0o600);
  return { key, created: true };
}

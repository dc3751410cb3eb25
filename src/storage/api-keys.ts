import { createHash, randomBytes } from 'node:crypto';
import type { PrismaClient } from './prisma';

/**
 * API keys: `rk_<key id>_<secret>`. The key id (`k_` and 12 hex digits) is public, so a list or a log can
 * say which key was used; the secret is 32 random bytes.
 *
 * Only the SHA-256 of the whole key is stored. A password needs a slow, salted hash (bcrypt, argon2)
 * because people choose guessable ones; these keys are 256 random bits, so no guess list exists and a
 * fast hash is as safe, while letting every request find its key by an indexed lookup of the hash (no
 * salt to read first, no 100 ms of hashing per API call). A leaked table gives no usable key.
 */
const keyPattern = /^rk_(k_[0-9a-f]{12})_[A-Za-z0-9_-]{43}$/;

export const hashApiKey = (key: string): string => createHash('sha256').update(key).digest('hex');

/** Whether a credential has the shape of an API key (anything else is not looked up). */
export const looksLikeApiKey = (value: string): boolean => keyPattern.test(value);

export interface NewApiKey {
  id: string;
  clientId: string;
  /** The key itself: shown to the caller once and never stored. */
  key: string;
  createdAt: Date;
}

export interface ApiKeyInfo {
  id: string;
  clientId: string;
  createdAt: Date;
  expiresAt: Date | null;
  revokedAt: Date | null;
}

export type KeyCheck =
  | { ok: true; keyId: string; clientId: string; requestsPerMinute: number | null; maxRunningFilms: number | null }
  | { ok: false; problem: 'api_key_invalid' | 'api_key_revoked' | 'api_key_expired' };

const keyInfo = { id: true, clientId: true, createdAt: true, expiresAt: true, revokedAt: true } as const;

export function createApiKeys(prisma: PrismaClient) {
  async function issue(clientId: string): Promise<NewApiKey> {
    const id = `k_${randomBytes(6).toString('hex')}`;
    const key = `rk_${id}_${randomBytes(32).toString('base64url')}`;
    const row = await prisma.apiKey.create({ data: { id, clientId, keyHash: hashApiKey(key) } });
    return { id, clientId, key, createdAt: row.createdAt };
  }

  return {
    /** A new key for the client, beside any it has (an extra key for another deployment, say). */
    issue,

    /**
     * A new key, and the client's other working keys set to expire after `overlapSeconds` (0: at once),
     * so callers can move to the new key while the old one still works.
     */
    async rotate(clientId: string, overlapSeconds: number): Promise<{ key: NewApiKey; expiring: ApiKeyInfo[] }> {
      const now = new Date();
      const expiresAt = new Date(now.getTime() + overlapSeconds * 1000);
      const expiring = await prisma.$transaction(async (tx) => {
        const working = await tx.apiKey.findMany({
          where: { clientId, revokedAt: null, OR: [{ expiresAt: null }, { expiresAt: { gt: expiresAt } }] },
          select: { id: true },
        });
        const ids = working.map((k) => k.id);
        await tx.apiKey.updateMany({ where: { id: { in: ids } }, data: { expiresAt } });
        return tx.apiKey.findMany({ where: { id: { in: ids } }, select: keyInfo, orderBy: { createdAt: 'asc' } });
      });
      return { key: await issue(clientId), expiring };
    },

    /** Stops a key at once. Revoking one already revoked keeps its first revocation time. */
    async revoke(clientId: string, keyId: string): Promise<ApiKeyInfo | null> {
      await prisma.apiKey.updateMany({ where: { id: keyId, clientId, revokedAt: null }, data: { revokedAt: new Date() } });
      return prisma.apiKey.findFirst({ where: { id: keyId, clientId }, select: keyInfo });
    },

    list: (clientId: string): Promise<ApiKeyInfo[]> =>
      prisma.apiKey.findMany({ where: { clientId }, select: keyInfo, orderBy: { createdAt: 'asc' } }),

    /** Which client a key belongs to, with its quotas, or why it is refused. */
    async check(key: string, now = new Date()): Promise<KeyCheck> {
      if (!looksLikeApiKey(key)) return { ok: false, problem: 'api_key_invalid' };
      const row = await prisma.apiKey.findUnique({ where: { keyHash: hashApiKey(key) }, include: { client: true } });
      if (!row) return { ok: false, problem: 'api_key_invalid' };
      if (row.revokedAt) return { ok: false, problem: 'api_key_revoked' };
      if (row.expiresAt && row.expiresAt <= now) return { ok: false, problem: 'api_key_expired' };
      const { requestsPerMinute, maxRunningFilms } = row.client;
      return { ok: true, keyId: row.id, clientId: row.clientId, requestsPerMinute, maxRunningFilms };
    },
  };
}

export type ApiKeys = ReturnType<typeof createApiKeys>;

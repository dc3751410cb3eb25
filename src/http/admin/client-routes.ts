import Router from '@koa/router';
import type { ApiKeyInfo, ApiKeys, NewApiKey } from '../../storage/api-keys';
import { ClientExistsError, type Clients, type ClientSummary } from '../../storage/clients';
import { HttpError } from '../errors';
import { readJsonBody } from '../json-body';
import type { ClientQuotaDefaults } from '../projects/client-auth';
import type { AppState } from '../request-context';
import { parseOrThrow } from '../validation';
import { requireAdmin, type AdminAccess } from './auth';
import { clientLimitsBody, clientParam, createClientBody, keyParam, newKeyBody } from './client-schemas';
import { addSpendLimitRoutes, type SpendLimitRouteDeps } from './spend-limit-routes';

export interface ClientRouteDeps extends SpendLimitRouteDeps {
  access: AdminAccess;
  clients: Clients;
  apiKeys: ApiKeys;
  defaults: ClientQuotaDefaults;
}

const maxBodyBytes = 4096;

export const keyInfoView = (k: ApiKeyInfo) => ({
  id: k.id,
  created_at: k.createdAt.toISOString(),
  expires_at: k.expiresAt?.toISOString() ?? null,
  revoked_at: k.revokedAt?.toISOString() ?? null,
});

export const newKeyView = (k: NewApiKey, expiring?: ApiKeyInfo[]) => ({
  client: k.clientId,
  key_id: k.id,
  key: k.key,
  created_at: k.createdAt.toISOString(),
  ...(expiring ? { expiring: expiring.map(keyInfoView) } : {}),
});

const clientView = (c: { id: string; requestsPerMinute: number | null; maxRunningFilms: number | null; createdAt: Date }) => ({
  name: c.id,
  requests_per_minute: c.requestsPerMinute,
  max_running_films: c.maxRunningFilms,
  created_at: c.createdAt.toISOString(),
});

/**
 * The clients of the project API and their keys, behind ADMIN_API_TOKEN (the same operations as
 * `npm run clients`), and their default spend limits. A key is in an answer only when it is made: it is
 * never stored, only its hash.
 */
export function clientRoutes({ access, clients, apiKeys, defaults, ...spending }: ClientRouteDeps): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/clients' });
  const admin = requireAdmin(access);
  const summaryView = (c: ClientSummary) => ({
    ...clientView(c),
    running_films: c.runningFilms,
    working_keys: c.workingKeys,
    effective: {
      requests_per_minute: c.requestsPerMinute ?? defaults.requestsPerMinute,
      max_running_films: c.maxRunningFilms ?? defaults.maxRunningFilms,
    },
  });
  const existing = async (name: string) => {
    const client = await clients.find(name);
    if (!client) throw new HttpError(404, 'client_not_found', `No client ${name}`);
    return client;
  };

  router.get('/', admin, async (ctx) => {
    ctx.body = { data: (await clients.list()).map(summaryView) };
  });

  router.post('/', admin, async (ctx) => {
    const body = parseOrThrow(createClientBody, await readJsonBody(ctx, maxBodyBytes), 'Body');
    try {
      const client = await clients.create(body.name, { requestsPerMinute: body.requests_per_minute, maxRunningFilms: body.max_running_films });
      ctx.status = 201;
      ctx.body = { client: clientView(client), key: newKeyView(await apiKeys.issue(client.id)) };
    } catch (err) {
      if (err instanceof ClientExistsError) throw new HttpError(409, 'client_exists', err.message);
      throw err;
    }
  });

  router.patch('/:name', admin, async (ctx) => {
    const { name } = parseOrThrow(clientParam, ctx.params, 'Path');
    const body = parseOrThrow(clientLimitsBody, await readJsonBody(ctx, maxBodyBytes), 'Body');
    await existing(name);
    ctx.body = clientView(await clients.setLimits(name, { requestsPerMinute: body.requests_per_minute, maxRunningFilms: body.max_running_films }));
  });

  router.get('/:name/keys', admin, async (ctx) => {
    const { name } = parseOrThrow(clientParam, ctx.params, 'Path');
    await existing(name);
    ctx.body = { data: (await apiKeys.list(name)).map(keyInfoView) };
  });

  router.post('/:name/keys', admin, async (ctx) => {
    const { name } = parseOrThrow(clientParam, ctx.params, 'Path');
    const raw = ctx.request.length || ctx.get('transfer-encoding') ? await readJsonBody(ctx, maxBodyBytes) : {};
    const body = parseOrThrow(newKeyBody, raw, 'Body');
    await existing(name);
    ctx.status = 201;
    if (body.rotate) {
      const { key, expiring } = await apiKeys.rotate(name, body.overlap_seconds);
      ctx.body = newKeyView(key, expiring);
    } else {
      ctx.body = newKeyView(await apiKeys.issue(name));
    }
  });

  router.delete('/:name/keys/:key', admin, async (ctx) => {
    const { name, key } = parseOrThrow(keyParam, ctx.params, 'Path');
    const revoked = await apiKeys.revoke(name, key);
    if (!revoked) throw new HttpError(404, 'key_not_found', `Client ${name} has no key ${key}`);
    ctx.body = keyInfoView(revoked);
  });

  addSpendLimitRoutes(router, admin, spending);
  return router;
}

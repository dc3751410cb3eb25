import Router from '@koa/router';
import { z } from 'zod';
import { defaultProvider, providerNames } from '../../contracts/providers';
import type { ProviderLeases } from '../../storage/provider-leases';
import { readJsonBody } from '../json-body';
import type { AppState } from '../request-context';
import { parseOrThrow } from '../validation';
import { requireAdmin, type AdminAccess } from './auth';

const cappedProviders = providerNames.filter((p) => p !== defaultProvider);

export const providerParam = z.object({ provider: z.enum(cappedProviders, { error: `must be one of ${cappedProviders.join(', ')}` }) });
/** 0: unlimited; null: back to the PROVIDER_MAX_RUNNING_<NAME> setting. */
export const capBody = z.object({ max_running: z.number().int().min(0).max(100_000).nullable() }).strict();
/** A provider's cap as GET/PUT answer it. */
export const capView = z.object({
  provider: z.enum(cappedProviders),
  configured: z.number().int(),
  live: z.number().int().nullable(),
  effective: z.number().int(),
  running: z.number().int(),
  waiting: z.number().int(),
});

export interface ProviderCapRouteDeps {
  access: AdminAccess;
  leases: ProviderLeases;
  /** The caps as configured (PROVIDER_MAX_RUNNING_<NAME>), 0 = unlimited. */
  configured: Record<string, number>;
}

/**
 * GET/PUT /api/v1/provider-caps: each provider's cap on tasks running at once, changed live (a provider
 * raised the account's tier by email) without a restart, every change recorded in provider_cap_changes.
 * The next grant uses the new cap: a lower one lets running tasks finish and grants nothing until under it.
 */
export function providerCapRoutes({ access, leases, configured }: ProviderCapRouteDeps): Router<AppState> {
  const router = new Router<AppState>({ prefix: '/api/v1/provider-caps' });
  const admin = requireAdmin(access);

  async function view() {
    const [live, usage] = await Promise.all([leases.liveCaps(), leases.usage()]);
    return cappedProviders.map((provider) => {
      const set = live.get(provider) ?? null;
      const use = usage.find((u) => u.provider === provider);
      return {
        provider,
        configured: configured[provider] ?? 0,
        live: set,
        effective: set ?? configured[provider] ?? 0,
        running: use?.held ?? 0,
        waiting: use?.waiting ?? 0,
      };
    });
  }

  router.get('/', admin, async (ctx) => {
    ctx.body = { data: await view() };
  });

  router.put('/:provider', admin, async (ctx) => {
    const { provider } = parseOrThrow(providerParam, ctx.params, 'Path');
    const body = parseOrThrow(capBody, await readJsonBody(ctx, 1024), 'Body');
    await leases.setCap(provider, body.max_running, ctx.get('authorization') ? 'admin token' : 'console');
    // A raised cap is used at once: the slots it adds go to the next in line, who are woken.
    await leases.grantNow(provider);
    ctx.body = (await view()).find((c) => c.provider === provider);
  });

  return router;
}

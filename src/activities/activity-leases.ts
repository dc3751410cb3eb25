import { Context } from '@temporalio/activity';
import type pg from 'pg';
import type { Config } from '../platform/config';
import { wakeGrantedFilms } from '../platform/wake-granted';
import { createProviderLeases, type ProviderLeases } from '../storage/provider-leases';

/**
 * The provider leases as the worker's activities use them. A slot freed here (a poll's result, a
 * cancel, a film that ended) is granted here, and its new holder woken with the worker's own client,
 * which only an activity's context carries.
 */
export function createActivityLeases(config: Config, pool: pg.Pool): ProviderLeases {
  const inActivity = () => {
    try {
      return Context.current().client;
    } catch {
      return undefined; // outside an activity (a test driving the calls directly): waiters fall back to their timer
    }
  };
  return createProviderLeases(
    pool,
    (provider) => config.providers.maxRunning[provider as keyof typeof config.providers.maxRunning] ?? 0,
    wakeGrantedFilms(inActivity, { warn: (detail, message) => void Context.current().log.warn(message, detail) }),
  );
}

import { Gauge, type Registry } from 'prom-client';
import type { ProjectStatus } from '../contracts/statuses';
import type { Step } from '../contracts/steps';
import type { Logger } from '../platform/logger';
import type { LiveCounts } from '../storage/live-counts';
import type { ProviderLeases } from '../storage/provider-leases';

const inProgress: ProjectStatus[] = ['pending', 'generating', 'stitching'];
const awaiting: ProjectStatus[] = ['awaiting_review', 'awaiting_budget'];
const finished: ProjectStatus[] = ['completed', 'failed', 'cancelled'];
const steps: Step[] = ['video', 'lastFrame', 'stitch'];
/** How many users per provider the per-user wait gauge names at most. */
export const longestWaitingUsers = 10;

/**
 * Gauges of the films and the error log, read from PostgreSQL on each scrape. They describe the shared
 * database, not this process: every gateway replica reports the same numbers, so alerts and charts
 * take max() of them, never sum(). When the database cannot answer, a gauge reports nothing (and a
 * warning is logged) rather than a stale number.
 */
export function registerLiveGauges(
  registry: Registry,
  counts: LiveCounts,
  stepDeadlineMs: Record<Step, number>,
  logger: Logger,
  leases?: Pick<ProviderLeases, 'usage'>,
): void {
  function gauge<L extends string>(name: string, help: string, labelNames: readonly L[], read: (g: Gauge<L>) => Promise<void>) {
    return new Gauge<L>({
      name,
      help,
      labelNames,
      registers: [registry],
      async collect() {
        this.reset();
        await read(this).catch((err: unknown) => {
          this.reset();
          logger.warn({ err, metric: name }, 'Could not read a metric from the database');
        });
      },
    });
  }

  gauge('reelay_films_in_progress', 'Films not finished yet, by status (database-wide: take max() over gateways)', ['status'], async (g) => {
    for (const status of inProgress) g.set({ status }, 0);
    for (const { status, n } of await counts.filmsInProgress()) g.set({ status }, n);
  });
  gauge(
    'reelay_films_awaiting',
    'Films waiting for a person, by status: awaiting_review (a review gate) or awaiting_budget (a higher spend limit) (database-wide)',
    ['status'],
    async (g) => {
      for (const status of awaiting) g.set({ status }, 0);
      for (const { status, n } of await counts.filmsAwaiting()) g.set({ status }, n);
    },
  );
  gauge('reelay_client_films_running', "Each client's films not finished yet, as its films-at-once quota counts them (database-wide)", ['client'], async (g) => {
    for (const { client, n } of await counts.clientFilmsRunning()) g.set({ client }, n);
  });
  gauge('reelay_films_finished_last_day', 'Films that ended in the last 24 hours, by status (database-wide)', ['status'], async (g) => {
    for (const status of finished) g.set({ status }, 0);
    for (const { status, n } of await counts.filmsFinishedLastDay()) g.set({ status }, n);
  });
  gauge(
    'reelay_films_past_step_deadline',
    "Films whose current step has not moved for longer than the step's deadline, by step (database-wide)",
    ['step'],
    async (g) => {
      for (const step of steps) g.set({ step }, 0);
      for (const { step, n } of await counts.filmsPastStepDeadline(stepDeadlineMs)) g.set({ step }, n);
    },
  );
  if (leases) {
    gauge('reelay_provider_queue_length', "Scenes waiting for a slot under their provider's cap, by provider (database-wide)", ['provider'], async (g) => {
      for (const { provider, waiting } of await leases.usage()) g.set({ provider }, waiting);
    });
    gauge(
      'reelay_provider_oldest_wait_seconds',
      "How long the scene longest in line has waited for a slot under its provider's cap, by provider (database-wide; absent: nobody waits)",
      ['provider'],
      async (g) => {
        for (const { provider, seconds } of await counts.providerOldestWait()) g.set({ provider }, seconds);
      },
    );
    gauge('reelay_provider_client_queue_length', 'Scenes waiting for a slot, by provider and client (@operator: the operator\'s films; database-wide)', ['provider', 'client'], async (g) => {
      for (const { provider, client, n } of await counts.providerClientQueue()) g.set({ provider, client }, n);
    });
    // Per user, only the worst few: user ids are the clients' own and unbounded, and a series per user
    // would grow Prometheus without limit. The longest waits are what an operator acts on.
    gauge(
      'reelay_provider_longest_waiting_users_seconds',
      `The ${longestWaitingUsers} users per provider whose oldest scene in line has waited longest, and how long (database-wide)`,
      ['provider', 'client', 'user'],
      async (g) => {
        for (const { seconds, ...labels } of await counts.providerLongestWaitingUsers(longestWaitingUsers)) g.set(labels, seconds);
      },
    );
    gauge('reelay_provider_slots_held', "Provider tasks holding a slot under their provider's cap, by provider (database-wide)", ['provider'], async (g) => {
      for (const { provider, held } of await leases.usage()) g.set({ provider }, held);
    });
  }
  gauge(
    'reelay_error_log_entries_last_hour',
    'Error log rows written in the last hour, by type, code and severity (database-wide)',
    ['type', 'code', 'severity'],
    async (g) => {
      for (const { n, ...labels } of await counts.errorsLastHour()) g.set(labels, n);
    },
  );
}

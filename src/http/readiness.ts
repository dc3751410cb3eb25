import type { Connection } from '@temporalio/client';
import type { Logger } from '../platform/logger';
import { missingSearchAttributes } from '../platform/search-attributes';
import type { GlobalError } from '../storage/error-log';
import { HttpError } from './errors';
import type { HealthProbe } from './health';

/**
 * Readiness, as Kubernetes splits it from liveness: a gateway is ready once it can make a film, that is
 * Temporal and PostgreSQL answer and the namespace has the search attributes the workflows set (Temporal
 * refuses to start a workflow without them). A load balancer sends traffic only to ready replicas;
 * liveness (/live) stays true meanwhile, so nothing restarts a gateway that is waiting for its namespace.
 */
export interface Readiness {
  ready: boolean;
  temporal: { reachable: boolean };
  database: { reachable: boolean };
  search_attributes: { missing: string[] | null };
  /** Why not ready, in words an operator can act on; empty when ready. */
  reasons: string[];
}

/** How soon a load balancer or client should ask again. */
export const notReadyRetryAfterSeconds = 5;

const listTimeoutMs = 2_000;
/** While attributes are missing, the namespace is asked at most this often (probes may come every second). */
const recheckMissingMs = 1_000;

export function createReadinessCheck(health: HealthProbe, connection: Connection, namespace: string) {
  // Search attributes are never removed in normal operation: once all are seen, they are not asked for
  // again until a film creation is refused for lack of one (forget()).
  let confirmed = false;
  /** How many times all attributes were seen after a time they were not: a new episode of "not ready". */
  let confirmations = 0;
  let lastMissing: { names: string[]; at: number } | undefined;

  async function missing(): Promise<string[] | null> {
    if (confirmed) return [];
    if (lastMissing && Date.now() - lastMissing.at < recheckMissingMs) return lastMissing.names;
    try {
      const names = await connection.withDeadline(Date.now() + listTimeoutMs, () => missingSearchAttributes(connection, namespace));
      if (names.length === 0 && !confirmed) confirmations++;
      confirmed = names.length === 0;
      lastMissing = confirmed ? undefined : { names, at: Date.now() };
      return names;
    } catch {
      return null; // not known: Temporal did not answer in time
    }
  }

  async function check(): Promise<Readiness> {
    const status = await health();
    const searchAttributes = status.temporal.reachable ? await missing() : null;
    const reasons = [
      ...(status.temporal.reachable ? [] : ['Temporal is not reachable']),
      ...(status.database.reachable ? [] : ['PostgreSQL is not reachable']),
      ...(status.temporal.reachable && searchAttributes === null ? ['Temporal did not list the namespace search attributes in time'] : []),
      ...(searchAttributes?.length ? [missingReason(namespace, searchAttributes)] : []),
    ];
    return { ready: reasons.length === 0, temporal: status.temporal, database: status.database, search_attributes: { missing: searchAttributes }, reasons };
  }

  return {
    check,
    /** The namespace refused a start: ask it again from now on. */
    forget() {
      confirmed = false;
      lastMissing = undefined;
    },
    missing,
    confirmations: () => confirmations,
  };
}

export type ReadinessCheck = ReturnType<typeof createReadinessCheck>;

const missingReason = (namespace: string, names: string[]) =>
  `Temporal namespace ${namespace} lacks the search attributes ${names.join(', ')}: run \`npm run temporal:setup\` (docs/operations.md)`;

/** Temporal's refusal to start a workflow whose search attribute the namespace does not know. */
export function isMissingSearchAttribute(err: unknown): boolean {
  for (let e: unknown = err, depth = 0; e && depth < 5; e = (e as { cause?: unknown }).cause, depth++) {
    const text = `${(e as { details?: string }).details ?? ''} ${(e as Error).message ?? ''}`;
    if (/no mapping defined for search attribute/i.test(text)) return true;
  }
  return false;
}

/**
 * What film creation does when Temporal refuses the start for a missing search attribute: a 503 with
 * Retry-After naming the cause (never a 500), readiness asked again, and one `system` entry in the error
 * log per episode (until the namespace is seen ready again), not one per refused request.
 */
export function namespaceNotReadyHandler(deps: {
  readiness: ReadinessCheck;
  namespace: string;
  addGlobalError: (error: GlobalError) => Promise<unknown>;
  logger: Logger;
}) {
  let reportedAfter: number | undefined; // the readiness confirmations seen when this episode was reported
  return async function refuse(err: unknown): Promise<never> {
    deps.readiness.forget();
    const names = (await deps.readiness.missing()) ?? [];
    const message = missingReason(deps.namespace, names.length ? names : ['(unknown)']);
    if (reportedAfter !== deps.readiness.confirmations()) {
      reportedAfter = deps.readiness.confirmations();
      deps.logger.error({ err, namespace: deps.namespace, missing: names }, 'Film creation refused: the Temporal namespace is not set up');
      await deps.addGlobalError({
        type: 'system',
        code: 'search_attributes_missing',
        severity: 'critical',
        message,
        context: { namespace: deps.namespace, missing: names },
      }).catch((logErr: unknown) => deps.logger.warn({ err: logErr }, 'Could not write the error log'));
    }
    throw new HttpError(503, 'namespace_not_ready', `${message}. Try again shortly.`, undefined, { 'Retry-After': String(notReadyRetryAfterSeconds) });
  };
}

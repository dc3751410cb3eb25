import { Connection } from '@temporalio/client';
import { searchAttributeRegistrations as registrations } from '../contracts/workflow-api';
import type { Config } from './config';
import { temporalConnectionOptions } from './temporal-connection';

// Search attributes are namespace setup, like a database migration (docs.temporal.io/search-attribute,
// ".../self-hosted-guide/visibility/custom-search-attributes"): Temporal refuses to start a workflow that
// sets one the namespace lacks (INVALID_ARGUMENT "no mapping defined for search attribute"). So one
// idempotent setup step registers them before any replica serves (`npm run temporal:setup`, which
// `npm start`, `npm run cluster` and compose's one-shot run), and the gateway reports itself not ready
// while they are missing.

const indexedType = { Keyword: 2, Int: 3 } as const; // temporal.api.enums.v1.IndexedValueType

/** The part of a Temporal connection (client or native) the setup uses: the operator service. */
export interface OperatorConnection {
  operatorService: {
    listSearchAttributes(req: { namespace: string }): Promise<{ customAttributes?: Record<string, unknown> | null }>;
    addSearchAttributes(req: { namespace: string; searchAttributes: Record<string, number> }): Promise<unknown>;
  };
}

/** The attributes the project workflows set that `namespace` does not have yet. */
export async function missingSearchAttributes(connection: OperatorConnection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  return registrations.filter(([name]) => !customAttributes?.[name]).map(([name]) => name);
}

/**
 * How to register them by hand: the Temporal CLI for a self-hosted cluster, tcld for Temporal Cloud
 * (docs.temporal.io/cloud/tcld/namespace#search-attributes), whose namespaces take no operator calls.
 */
export function searchAttributeCommands(namespace: string, only?: readonly string[]): string[] {
  const wanted = registrations.filter(([name]) => !only || only.includes(name));
  return [
    ...wanted.map(([name, type]) => `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`),
    ...wanted.map(([name, type]) => `tcld namespace search-attributes add --namespace ${namespace} --search-attribute "${name}=${type}"`),
  ];
}

/** Registers what is missing (nothing when all are there); returns the names it registered. */
export async function ensureSearchAttributes(connection: OperatorConnection, namespace: string): Promise<string[]> {
  const missing = await missingSearchAttributes(connection, namespace);
  if (!missing.length) return [];
  const types = Object.fromEntries(registrations);
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map((name) => [name, indexedType[types[name]]])),
    });
  } catch (err) {
    const commands = searchAttributeCommands(namespace, missing);
    throw new Error(
      `Search attributes ${missing.join(', ')} are not registered in namespace ${namespace} and could not be (${(err as Error).message}). ` +
        `Register them with one of:\n  ${commands.join('\n  ')}`,
    );
  }
  return missing;
}

/** The setup step on its own connection: what `npm run temporal:setup` and `npm run cluster` run. */
export async function setUpNamespace(temporal: Config['temporal']): Promise<string[]> {
  const connection = await Connection.connect(temporalConnectionOptions(temporal));
  try {
    return await ensureSearchAttributes(connection, temporal.namespace);
  } finally {
    await connection.close();
  }
}

import { searchAttributeRegistrations as registrations } from '../contracts/workflow-api';

const indexedType = { Keyword: 2, Int: 3 } as const; // temporal.api.enums.v1.IndexedValueType

interface OperatorConnection {
  operatorService: {
    listSearchAttributes(req: { namespace: string }): Promise<{ customAttributes?: Record<string, unknown> | null }>;
    addSearchAttributes(req: { namespace: string; searchAttributes: Record<string, number> }): Promise<unknown>;
  };
}

/**
 * The workflows set these attributes, and Temporal refuses an unknown one; register what is missing.
 * Where the worker may not (a locked-down cluster), say how to do it by hand.
 */
export async function ensureSearchAttributes(connection: OperatorConnection, namespace: string): Promise<string[]> {
  const { customAttributes } = await connection.operatorService.listSearchAttributes({ namespace });
  const missing = registrations.filter(([name]) => !customAttributes?.[name]);
  if (!missing.length) return [];
  try {
    await connection.operatorService.addSearchAttributes({
      namespace,
      searchAttributes: Object.fromEntries(missing.map(([name, type]) => [name, indexedType[type]])),
    });
  } catch (err) {
    const commands = missing.map(([name, type]) => `temporal operator search-attribute create --namespace ${namespace} --name ${name} --type ${type}`);
    throw new Error(`Search attributes ${missing.map(([n]) => n).join(', ')} are not registered and could not be (${(err as Error).message}). Run:\n  ${commands.join('\n  ')}`);
  }
  return missing.map(([name]) => name);
}

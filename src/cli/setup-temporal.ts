import dotenv from 'dotenv';
import { exitOnFailure, configFromEnvironment } from '../platform/process-entry';
import { searchAttributeCommands, setUpNamespace } from '../platform/search-attributes';

/**
 * `npm run temporal:setup`: the namespace setup Reelay needs before any gateway serves or worker runs,
 * like a database migration: registers the search attributes the project workflows set, when missing,
 * in TEMPORAL_NAMESPACE of the cluster at TEMPORAL_ADDRESS (TLS and API key as the gateway connects).
 * Idempotent. `npm start`, `npm run cluster` and compose's one-shot run the same step themselves.
 *
 * `npm run temporal:setup -- --print` connects to nothing and prints the commands that do it by hand
 * (the Temporal CLI for a self-hosted cluster, tcld for Temporal Cloud).
 */
async function main() {
  if (process.argv.includes('--print')) {
    dotenv.config({ quiet: true });
    console.log(searchAttributeCommands(process.env.TEMPORAL_NAMESPACE || 'default').join('\n'));
    return;
  }
  const { temporal } = configFromEnvironment('setup');
  const registered = await setUpNamespace(temporal);
  console.log(
    registered.length
      ? `Registered search attributes ${registered.join(', ')} in namespace ${temporal.namespace} at ${temporal.address}`
      : `Namespace ${temporal.namespace} at ${temporal.address} already has every search attribute Reelay needs`,
  );
}

main().catch(exitOnFailure);

import { TestWorkflowEnvironment } from '@temporalio/testing';
import { searchAttributeFlags, type DevServer, type DevServerOptions } from './dev-server';

/**
 * Last resort when no Temporal CLI is installed and Go is not there to build one: the SDK downloads
 * the CLI from Temporal's release site (needs internet) and runs the same dev server.
 */
export async function startSdkManagedDevServer(options: Omit<DevServerOptions, 'cliPath' | 'logFile' | 'pidFile'>): Promise<DevServer> {
  const { dbFile, port, uiPort, namespace } = options;
  const env = await TestWorkflowEnvironment.createLocal({
    server: {
      executable: { type: 'cached-download' },
      ip: '127.0.0.1',
      port,
      namespace,
      dbFilename: dbFile,
      ui: uiPort !== undefined,
      uiPort,
      extraArgs: searchAttributeFlags(),
    },
  });
  return {
    address: `127.0.0.1:${port}`,
    uiUrl: uiPort ? `http://localhost:${uiPort}` : undefined,
    stop: () => env.teardown(),
    kill: () => env.teardown(),
  };
}

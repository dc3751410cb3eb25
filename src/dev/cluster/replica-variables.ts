import { webhookEndpoints, webhookSecretEnv } from '../../contracts/steps';
import { serviceUrlVariable, type Config, type ServiceName } from '../../platform/config';

/** The variables a worker or gateway reads, from the configuration as the cluster resolved it. */
export function replicaVariables(config: Config): NodeJS.ProcessEnv {
  return {
    PORT: String(config.port),
    DATABASE_URL: config.databaseUrl,
    REDIS_URL: config.redisUrl,
    TEMPORAL_ADDRESS: config.temporal.address,
    TEMPORAL_NAMESPACE: config.temporal.namespace,
    TEMPORAL_TASK_QUEUE: config.temporal.taskQueue,
    NEXT_PUBLIC_APP_URL: config.publicUrl,
    TEMPORAL_UI_URL: config.temporal.uiUrl,
    ADMIN_API_TOKEN: config.adminToken,
    ...Object.fromEntries(webhookEndpoints.map((e) => [webhookSecretEnv[e], config.webhookSecrets[e].join(',')])),
    ...Object.fromEntries(Object.entries(config.services).map(([service, endpoint]) => [serviceUrlVariable[service as ServiceName], endpoint.url])),
    ...storeVariables(config.media),
  };
}

/** The store as resolved here (SeaweedFS started for it, perhaps) and the link secret made for it, for the replicas. */
const storeVariables = ({ store, linkSecrets }: Config['media']): NodeJS.ProcessEnv => ({
  ...(store.kind === 's3' ? { S3_ENDPOINT: store.endpoint, S3_ACCESS_KEY_ID: store.accessKeyId, S3_SECRET_ACCESS_KEY: store.secretAccessKey } : {}),
  ...(linkSecrets.length ? { ASSET_LINK_SECRET: linkSecrets.join(',') } : {}),
});

import Koa from 'koa';
import type { Client, Connection } from '@temporalio/client';
import type { Config } from '../config/config';
import type { PrismaClient } from '../db/prisma';
import type { Logger } from '../logging/logger';
import { createProjectCreator } from '../projects/create-project';
import { createDelivery } from '../webhooks/delivery';
import type { WorkflowSettings } from '../workflows/project-workflow';
import { HttpError, jsonErrors } from './errors';
import { createHealthProbe } from './health';
import { projectRoutes } from './projects/routes';
import { requestContext } from './request-context';
import { createEventStore } from './webhooks/event-store';
import { webhookRoutes } from './webhooks/routes';

export interface GatewayDeps {
  config: Config;
  prisma: PrismaClient;
  temporal: Client;
  connection: Connection;
  logger: Logger;
  workflowSettings?: Partial<WorkflowSettings>;
}

const maxBodyBytes = 1024 * 1024;

const methodErrors = {
  throw: true,
  methodNotAllowed: () => new HttpError(405, 'method_not_allowed', 'Method not allowed on this path'),
  notImplemented: () => new HttpError(501, 'not_implemented', 'Method not implemented'),
};

/** The HTTP edge: the project API and the three webhook receivers, as one Koa app. */
export function createGatewayApp({ config, prisma, temporal, connection, logger, workflowSettings }: GatewayDeps): Koa {
  const app = new Koa();
  app.proxy = false;
  app.silent = true; // errors are logged once, by jsonErrors

  const health = createHealthProbe(connection, prisma);
  const events = createEventStore(prisma);
  const deliver = createDelivery(temporal, prisma);
  const createProject = createProjectCreator({
    prisma,
    temporal,
    taskQueue: config.temporal.taskQueue,
    workflowSettings,
  });

  const webhooks = webhookRoutes({ config, events, deliver, health, maxBodyBytes });
  const projects = projectRoutes({ prisma, createProject, maxBodyBytes });

  app.use(requestContext(logger));
  app.use(jsonErrors(logger));
  app.use(webhooks.routes()).use(webhooks.allowedMethods(methodErrors));
  app.use(projects.routes()).use(projects.allowedMethods(methodErrors));
  app.use(async (ctx, next) => {
    if (ctx.path !== '/health') return next();
    const status = await health();
    ctx.status = status.ok ? 200 : 503;
    ctx.body = { status: status.ok ? 'ok' : 'degraded', temporal: status.temporal, database: status.database };
  });
  return app;
}

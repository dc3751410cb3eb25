/**
 * The names a film's spans carry, the same in the gateway, the workflow and the worker, so a trace
 * backend finds every span of one project, scene or task with one query. The workflow id keeps the
 * name the Temporal interceptors give it on their own spans.
 */
export const spanAttributes = {
  workflowId: 'temporalWorkflowId',
  projectId: 'reelay.project_id',
  sceneId: 'reelay.scene_id',
  sceneIndex: 'reelay.scene_index',
  taskId: 'reelay.task_id',
  step: 'reelay.step',
  endpoint: 'reelay.webhook.endpoint',
  outcome: 'reelay.webhook.outcome',
  requestId: 'reelay.request_id',
} as const;

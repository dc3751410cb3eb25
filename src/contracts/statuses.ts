/**
 * Every status word Reelay stores or answers with, defined once: the workflow's progress, the API
 * schemas and /openapi.json use these lists, and the database's enums are checked against them (a
 * type assertion in storage/prisma.ts, and the schema test).
 */
export const projectStatuses = ['pending', 'generating', 'stitching', 'completed', 'failed', 'cancelled', 'awaiting_review', 'awaiting_budget'] as const;
export type ProjectStatus = (typeof projectStatuses)[number];

export const sceneStatuses = ['pending', 'generating', 'extracting_frame', 'completed', 'failed'] as const;
export type SceneStatus = (typeof sceneStatuses)[number];

/** What became of a stored webhook event. */
export const webhookOutcomes = ['received', 'signaled', 'ignored', 'duplicate', 'pending_project', 'signal_failed'] as const;
export type WebhookOutcome = (typeof webhookOutcomes)[number];

/** The services' guide's error categories: where in the pipeline a failure happened. */
export const errorTypes = ['webhook', 'activity', 'workflow', 'system'] as const;
export type ErrorType = (typeof errorTypes)[number];

export const errorSeverities = ['info', 'warning', 'error', 'critical'] as const;
export type Severity = (typeof errorSeverities)[number];

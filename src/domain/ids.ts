import { z } from 'zod';

/** Ids travel in URLs, workflow ids and log lines: keep them to a safe, bounded alphabet. */
export const projectIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 characters of letters, digits, ".", "_", ":" or "-"');

export const sceneIdSchema = z.string().min(1).max(128);

export const taskIdSchema = z.string().min(1).max(256);

/** One long-lived workflow per project, found by this id from anywhere (gateway, CLI, Web UI). */
export const workflowIdFor = (projectId: string): string => `project-${projectId}`;

import { z } from 'zod';
import { storableText } from './text';

/** Ids travel in URLs, workflow ids and log lines: keep them to a safe, bounded alphabet. */
export const projectIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}$/, 'must be 1-128 characters of letters, digits, ".", "_", ":" or "-"');

/** Stored as text and used as keys: a sender's NUL or unpaired surrogate is refused, naming the field. */
export const sceneIdSchema = storableText().min(1).max(128);

export const taskIdSchema = storableText().min(1).max(256);

/** One long-lived workflow per project, found by this id from anywhere (gateway, CLI, Web UI). */
export const workflowIdFor = (projectId: string): string => `project-${projectId}`;

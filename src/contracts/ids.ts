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

/** A client's name, which is also its id: short, lower case, and never containing `@`. */
export const clientIdSchema = z
  .string()
  .regex(/^[a-z0-9][a-z0-9-]{0,31}$/, 'must be 1-32 characters of lower-case letters, digits or "-", starting with a letter or digit');

/**
 * A film's id across every client: the client's project id, then `@` and the client's name
 * (`harbour-01@acme`). Two clients may each have a `harbour-01`: their films are `harbour-01@acme` and
 * `harbour-01@globex`, with workflows `project-harbour-01@acme` and `project-harbour-01@globex`, and the
 * services get (and call back with) that id as `project_id`. The operator's films, and films made before
 * clients, have no suffix: a project id never contains `@`, so the two kinds never collide.
 */
export const filmIdSchema = z
  .string()
  .regex(/^[A-Za-z0-9][A-Za-z0-9._:-]{0,127}(@[a-z0-9][a-z0-9-]{0,31})?$/, 'must be a project id, optionally followed by "@" and a client name');

export const filmIdFor = (projectId: string, clientId: string | null): string => (clientId ? `${projectId}@${clientId}` : projectId);

/** The id a client knows its film by: the film id without the client's suffix. */
export const projectIdOfFilm = (filmId: string, clientId: string | null): string =>
  clientId && filmId.endsWith(`@${clientId}`) ? filmId.slice(0, -clientId.length - 1) : filmId;

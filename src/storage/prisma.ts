import type { ErrorSeverity, ProjectStatus, SceneStatus, WebhookOutcome } from '../../prisma/generated/enums';
import type * as vocabulary from '../contracts/statuses';

/**
 * The generated Prisma client (prisma/generated, written by `prisma generate` on install), reached
 * through this one module.
 */
export { PrismaClient } from '../../prisma/generated/client';
/** SQL NULL for a JSON column (Prisma tells it from JSON's null this way). */
export { DbNull } from '../../prisma/generated/internal/prismaNamespace';
export type { Prisma, Project, WebhookEvent } from '../../prisma/generated/client';
export type { WebhookEndpoint, WebhookOutcome } from '../../prisma/generated/enums';

/**
 * The database's enums and the status words of contracts/statuses.ts are one vocabulary: if either
 * side gains or loses a word, the type check fails here.
 */
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
export const vocabularyMatchesSchema: [
  Same<ProjectStatus, vocabulary.ProjectStatus>,
  Same<SceneStatus, vocabulary.SceneStatus>,
  Same<WebhookOutcome, vocabulary.WebhookOutcome>,
  Same<ErrorSeverity, vocabulary.Severity>,
] = [true, true, true, true];

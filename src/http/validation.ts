import type { z } from 'zod';
import { HttpError } from './errors';

export interface FieldProblem {
  field: string;
  message: string;
}

/** One entry per bad field, named by its JSON path (`scenes.0.prompt`), for a 400 body. */
export function fieldProblems(error: z.ZodError): FieldProblem[] {
  return error.issues.map((issue) => ({
    field: issue.path.length ? issue.path.join('.') : '(body)',
    message: issue.message,
  }));
}

export function parseOrThrow<T extends z.ZodType>(schema: T, value: unknown, what: string): z.infer<T> {
  const result = schema.safeParse(value);
  if (!result.success) {
    const problems = fieldProblems(result.error);
    throw new HttpError(400, 'validation_failed', `${what} is invalid: ${problems.map((p) => p.field).join(', ')}`, {
      fields: problems,
    });
  }
  return result.data;
}

import type { Middleware } from 'koa';
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

function strictlyDecoded(component: string): string | undefined {
  try {
    return decodeURIComponent(component.replace(/\+/g, ' '));
  } catch {
    return undefined;
  }
}

/**
 * Koa decodes a query string leniently: bytes that are not UTF-8 (`%FF`, or `%ED%A0%80`, a lone
 * surrogate written as UTF-8) become U+FFFD, so the text a client sent would be silently replaced.
 * This refuses such a parameter with the same 400 as the schemas give, naming it; what decodes is then
 * checked by each path's schema (`queryParams`, `storableText`: NUL, lone surrogates, …).
 */
export function strictQueryEncoding(): Middleware {
  return async (ctx, next) => {
    const fields: FieldProblem[] = [];
    for (const pair of ctx.querystring ? ctx.querystring.split('&') : []) {
      if (!pair) continue;
      const at = pair.indexOf('=');
      const rawKey = at === -1 ? pair : pair.slice(0, at);
      const key = strictlyDecoded(rawKey);
      if (key === undefined || (at !== -1 && strictlyDecoded(pair.slice(at + 1)) === undefined)) {
        fields.push({ field: key ?? rawKey, message: 'is not percent-encoded UTF-8' });
      }
    }
    if (fields.length) {
      throw new HttpError(400, 'validation_failed', `Query is invalid: ${fields.map((f) => f.field).join(', ')}`, { fields });
    }
    await next();
  };
}

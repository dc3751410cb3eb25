import { z } from 'zod';

/**
 * Text PostgreSQL can store: PostgreSQL's `text` and `jsonb` refuse the NUL character and UTF-16
 * surrogates that are not part of a pair, although both are valid in JSON and in a URL (`%00`,
 * `%ED%A0%80`). Written as one pattern that means the same in both ECMA-262 modes (with or without the
 * `u` flag) and in Python's `re`, because it is also the `pattern` of every such field in /openapi.json:
 * any character but NUL and surrogates, or a high surrogate followed by a low one.
 */
export const storableTextPattern = /^(?:[^\u0000\ud800-\udfff]|[\ud800-\udbff][\udc00-\udfff])*$/;

export const unstorableTextMessage = 'must not contain a NUL character or an unpaired UTF-16 surrogate (they cannot be stored)';

/** A string that can be stored as sent: the rule is in the schema, so /openapi.json states it too. */
export const storableText = () => z.string().regex(storableTextPattern, unstorableTextMessage);

const isUnstorable = (value: unknown): boolean =>
  typeof value === 'string' ? !storableTextPattern.test(value) : Array.isArray(value) && value.some(isUnstorable);

/**
 * The schema of a URL's query parameters: every parameter, whatever its own type (a free-text field,
 * an enum, a number, one added later), is refused with its name when its raw value holds text that
 * cannot be stored, so none reaches PostgreSQL as a 500. Fields already refused for another reason
 * (an enum that does not match) keep their own message. Free-text fields should still be
 * `storableText()`, so the document states the rule.
 */
export function queryParams<T extends z.ZodRawShape>(shape: T) {
  return z.object(shape).superRefine(
    (value, ctx) => {
      if (typeof value !== 'object' || value === null) return;
      const reported = new Set(ctx.issues.map((issue) => String(issue.path?.[0])));
      for (const key of Object.keys(shape)) {
        if (!reported.has(key) && isUnstorable((value as Record<string, unknown>)[key])) {
          ctx.addIssue({ code: 'custom', path: [key], message: unstorableTextMessage, input: (value as Record<string, unknown>)[key] });
        }
      }
    },
    // Also when a field has failed already: its raw value is still there to check.
    { when: () => true },
  );
}

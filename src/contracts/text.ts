import { z } from 'zod';

/**
 * Text PostgreSQL can store: PostgreSQL's `text` and `jsonb` refuse the NUL character and UTF-16
 * surrogates that are not part of a pair, although both are valid in JSON (`"\u0000"`, `"\ud800"`) and
 * in a URL (`%00`).
 *
 * The NUL half is a regex, which /openapi.json carries as the field's `pattern`. The surrogate half is a
 * refinement the document states in the field's description: a pattern naming surrogates
 * (`[\ud800-\udfff]`) cannot be compiled by JSON Schema validators built on UTF-8 regex engines
 * (Rust's, which schemathesis uses, or Go's), which then drop the whole pattern; and their clients cannot
 * send a lone surrogate anyway, since their JSON and URL encoders reject or replace it.
 */
export const noNulPattern = /^[^\u0000]*$/;
const loneSurrogate = /[\ud800-\udbff](?![\udc00-\udfff])|(?<![\ud800-\udbff])[\udc00-\udfff]/;

export const unstorableTextMessage = 'must not contain a NUL character or an unpaired UTF-16 surrogate (they cannot be stored)';
export const storableTextDescription = 'Text without NUL characters or unpaired UTF-16 surrogates, which cannot be stored (refused with 400).';

/**
 * What String.prototype.trim removes (ECMAScript's WhiteSpace and LineTerminator), spelled out rather
 * than `\s`, which Python's `re` and Rust's regex read as slightly different sets.
 */
const whitespace = '\\t\\n\\v\\f\\r \\u00a0\\u1680\\u2000-\\u200a\\u2028\\u2029\\u202f\\u205f\\u3000\\ufeff';
/**
 * No NUL, and not only whitespace: what a trimmed, non-empty text field accepts, as one pattern for the
 * document. Linear time (a lookahead over the leading whitespace, then one pass), never backtracking
 * over the body: the check runs on whatever length was sent, up to the body limit.
 */
export const nonBlankNoNulPattern = new RegExp(`^(?![${whitespace}]*$)[^\\u0000]*$`);
export const nonBlankTextDescription = `Text with a character other than whitespace (it is trimmed), without NUL characters or unpaired UTF-16 surrogates, which cannot be stored (refused with 400).`;

export const isStorableText = (text: string): boolean => noNulPattern.test(text) && !loneSurrogate.test(text);

const unstorableChars = new RegExp(`\\u0000|${loneSurrogate.source}`, 'g');

/**
 * A copy of a JSON value that PostgreSQL's jsonb can store: NUL characters and unpaired surrogates, in
 * values and in keys, become U+FFFD. For what a sender may put anywhere (a webhook's extra fields) and
 * must never be refused for; the exact bytes stay in the event store's raw body.
 */
export function storableCopy<T>(value: T, depth = 0): T {
  if (typeof value === 'string') return value.replace(unstorableChars, '\ufffd') as T;
  if (value === null || typeof value !== 'object') return value;
  if (depth > 64) return '[nested too deeply]' as T;
  if (Array.isArray(value)) return value.map((item: unknown) => storableCopy(item, depth + 1)) as T;
  return Object.fromEntries(Object.entries(value).map(([k, v]) => [storableCopy(k), storableCopy(v, depth + 1)])) as T;
}

/**
 * A string that can be stored as sent. The rule is in the schema, so the validation and /openapi.json
 * (`pattern` and `description`) come from the same place. Chain further checks after it
 * (`storableText().min(1).max(100)`); a `.meta({ description })` of your own replaces this one's.
 * `nonBlank`: also refuses text that is only whitespace, so the field can be trimmed (chain `.max(n)`
 * before `.trim()`, so the documented maxLength is that of the text sent).
 */
export const storableText = ({ nonBlank = false }: { nonBlank?: boolean } = {}) =>
  z
    .string()
    .regex(nonBlank ? nonBlankNoNulPattern : noNulPattern, {
      error: (issue) => (typeof issue.input === 'string' && !noNulPattern.test(issue.input) ? unstorableTextMessage : 'must not be empty or only whitespace'),
    })
    .refine((text) => !loneSurrogate.test(text), unstorableTextMessage)
    .meta({ description: nonBlank ? nonBlankTextDescription : storableTextDescription });

const isUnstorable = (value: unknown): boolean =>
  typeof value === 'string' ? !isStorableText(value) : Array.isArray(value) && value.some(isUnstorable);

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

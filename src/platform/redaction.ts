/** Names of fields that hold credentials: webhook secrets, tokens, passwords, signatures, API keys, cookies, DSNs. */
const sensitiveWords = 'secret|token|password|passwd|authorization|signature|api[-_]?key|cookie|dsn';
const sensitiveKey = new RegExp(sensitiveWords, 'i');

/** Credentials written into text: `scheme://user:password@`, `Bearer …`, `token=…`, `"secret": "…"`. */
const credentialsInText: [RegExp, string][] = [
  [/\b([a-z][a-z0-9+.-]*:\/\/)[^\s/?#@]+@/gi, '$1[redacted]@'],
  [/\b(Bearer|Basic)\s+[\w.~+/=-]+/gi, '$1 [redacted]'],
  [new RegExp(`((?:${sensitiveWords})[\\w-]*=)[^\\s&"',;]+`, 'gi'), '$1[redacted]'],
  [new RegExp(`((?:${sensitiveWords})[\\w-]*"\\s*:\\s*")[^"]*`, 'gi'), '$1[redacted]'],
];

/** A message or value with any credential written into it replaced (a database URL's password, a bearer token). */
export function scrubText(text: string): string {
  return credentialsInText.reduce((scrubbed, [pattern, replacement]) => scrubbed.replace(pattern, replacement), text);
}

/** Replaces the value of any key that looks like a credential, and credentials inside strings, at any depth. */
export function scrubSecrets(value: unknown, depth = 0): unknown {
  if (typeof value === 'string') return scrubText(value);
  if (depth > 6 || value === null || typeof value !== 'object') return value;
  if (Array.isArray(value)) return value.map((v) => scrubSecrets(v, depth + 1));
  return Object.fromEntries(
    Object.entries(value as Record<string, unknown>).map(([k, v]) => [k, sensitiveKey.test(k) ? '[redacted]' : scrubSecrets(v, depth + 1)]),
  );
}

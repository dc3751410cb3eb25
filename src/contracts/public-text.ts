/*
 * What a client may read about a failure. A service's own words about a failed task are part of its
 * contract ("content policy", "GPU out of memory") and reach the project API and the user's
 * notification; whatever in them points inside a network does not. Pure functions: workflow code uses
 * them.
 */

const hexGroup = '[0-9a-f]{1,4}';

/** What is masked, in this order (a URL before the host inside it), and what stands in for it. */
const internals: [RegExp, string][] = [
  // Any URL (http, redis, postgres, file, ...): host, path and credentials together.
  [/\b[a-z][a-z0-9+.-]*:\/\/[^\s"'<>()]*/gi, '[url]'],
  // IPv4, with a port when there is one.
  [/\b\d{1,3}(?:\.\d{1,3}){3}(?::\d{1,5})?\b/g, '[address]'],
  // IPv6: a compressed form (`fe80::1`, `::1`) or at least five groups, so a time (`10:30:00`) stays.
  [new RegExp(`\\[?(?:(?:${hexGroup}:){1,7}|:):(?:${hexGroup}(?::${hexGroup})*)?\\]?(?::\\d{1,5})?(?![\\w:])|\\[?\\b(?:${hexGroup}:){4,7}${hexGroup}\\b\\]?`, 'gi'), '[address]'],
  // A host name with dots (`gpu-07.render.internal`, `db.example.com:5432`); a file name (`a.mp4`) is caught too.
  [/\b(?:[a-z0-9](?:[a-z0-9-]*[a-z0-9])?\.)+[a-z][a-z0-9-]*[a-z0-9]\b(?::\d{1,5})?/gi, '[host]'],
  // A bare name with a port (`render-node-7:8080`) and localhost.
  [/\b[a-z][a-z0-9-]*:\d{2,5}\b/gi, '[host]'],
  [/\blocalhost\b/gi, '[host]'],
];

/**
 * A service's reason with URLs, IP addresses and host names replaced (`[url]`, `[address]`, `[host]`),
 * for the project's `failure_reason` and the user's notification. The reason as sent stays in the
 * error log (`task_failed` rows) and the event store, for operators.
 */
export function publicReason(text: string): string {
  return internals.reduce((masked, [pattern, replacement]) => masked.replace(pattern, replacement), text);
}

/**
 * The failure types whose message Reelay words for clients itself (the service client's: which service,
 * what status, never its URL or its answer; see ServiceCallDetail). Any other activity failure's
 * message is kept for operators, and clients read that the step failed inside Reelay.
 */
export const failureTypesWithPublicMessages: readonly string[] = ['ServiceRejected', 'ServiceUnavailable', 'ServiceBadResponse', 'ServiceNotConfigured'];

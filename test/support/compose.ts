import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import path from 'node:path';
import { parse } from 'yaml';

export const root = path.resolve(__dirname, '..', '..');

/** docker-compose.yml as Compose reads it (anchors merged), and its services. */
export function readCompose() {
  const compose = parse(readFileSync(path.join(root, 'docker-compose.yml'), 'utf8'), { merge: true });
  return { compose, services: compose.services as Record<string, any> };
}

/** A `ports:` entry, short (`[ip:]host:container[/proto]`) or long syntax; no host address means every address. */
export function publishedPort(entry: string | { target: number; published?: string | number; host_ip?: string }) {
  if (typeof entry === 'object') return { address: entry.host_ip ?? '0.0.0.0', host: String(entry.published ?? ''), container: String(entry.target) };
  const match = /^(?:(\[[^\]]+\]|\d+\.\d+\.\d+\.\d+):)?(?:(\d+(?:-\d+)?):)?(\d+(?:-\d+)?)(?:\/\w+)?$/.exec(entry);
  assert.ok(match, `ports entry ${entry}`);
  return { address: match[1] ?? '0.0.0.0', host: match[2] ?? '', container: match[3] };
}

export const loopback = new Set(['127.0.0.1', '[::1]']);

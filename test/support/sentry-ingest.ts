import type { AddressInfo } from 'node:net';
import { gunzipSync } from 'node:zlib';
import { closeServer, listen } from '../../src/platform/http-server';

/** One item of an envelope: its header (`type`: event, client_report, …) and its parsed payload. */
export interface EnvelopeItem {
  header: { type: string; length?: number };
  payload: any;
}

export interface Envelope {
  header: Record<string, unknown>;
  items: EnvelopeItem[];
  /** The body as sent (after gzip), for "this secret appears nowhere" checks. */
  text: string;
}

/**
 * Sentry's envelope format: a header line, then for each item a header line and its payload, which is
 * `length` bytes when the item header says so and the rest of the line otherwise.
 * https://develop.sentry.dev/sdk/data-model/envelopes/
 */
export function parseEnvelope(body: Buffer): Envelope {
  let offset = 0;
  const nextLine = () => {
    const end = body.indexOf(0x0a, offset);
    const line = body.subarray(offset, end === -1 ? body.length : end);
    offset = end === -1 ? body.length : end + 1;
    return line;
  };
  const header = JSON.parse(nextLine().toString('utf8'));
  const items: EnvelopeItem[] = [];
  while (offset < body.length) {
    const headerLine = nextLine().toString('utf8');
    if (!headerLine.trim()) continue;
    const itemHeader = JSON.parse(headerLine) as EnvelopeItem['header'];
    let payload: Buffer;
    if (typeof itemHeader.length === 'number') {
      payload = body.subarray(offset, offset + itemHeader.length);
      offset += itemHeader.length + 1;
    } else {
      payload = nextLine();
    }
    const text = payload.toString('utf8');
    items.push({ header: itemHeader, payload: text.startsWith('{') ? JSON.parse(text) : text });
  }
  return { header, items, text: body.toString('utf8') };
}

export interface SentryIngest {
  /** A DSN that sends here: `http://publickey@127.0.0.1:<port>/1`. */
  dsn: string;
  envelopes: Envelope[];
  /** Every event payload received so far (errors and messages; not client reports). */
  events(): any[];
  close(): Promise<void>;
}

/** A local stand-in for Sentry's ingest: takes envelopes on POST /api/<project>/envelope/ and keeps them. */
export async function startSentryIngest(): Promise<SentryIngest> {
  const envelopes: Envelope[] = [];
  const server = await listen(async (req, res) => {
    const chunks: Buffer[] = [];
    for await (const chunk of req) chunks.push(chunk as Buffer);
    if (req.method !== 'POST' || !/^\/api\/\d+\/envelope\/(\?|$)/.test(req.url ?? '')) {
      res.writeHead(404).end();
      return;
    }
    const body = Buffer.concat(chunks);
    envelopes.push(parseEnvelope(req.headers['content-encoding'] === 'gzip' ? gunzipSync(body) : body));
    res.writeHead(200, { 'content-type': 'application/json' }).end('{}');
  }, 0, '127.0.0.1');
  return {
    dsn: `http://publickey@127.0.0.1:${(server.address() as AddressInfo).port}/1`,
    envelopes,
    events: () => envelopes.flatMap((e) => e.items.filter((i) => i.header.type === 'event').map((i) => i.payload)),
    close: () => closeServer(server),
  };
}

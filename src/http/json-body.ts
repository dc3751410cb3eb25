import type { IncomingMessage } from 'node:http';
import type { Context, Middleware } from 'koa';
import { koaBody } from 'koa-body';
import { HttpError } from './errors';

/**
 * Request bodies are read by koa-body: its Content-Type match, its size limit (applied after
 * decompression), its gzip/deflate/br decoding and its errors (413, 415). What it cannot do is written
 * here, each part with what koa-body 8.0.1 (co-body 6.2, inflation 2.1) was measured to do instead:
 *
 * - JSON is parsed with JSON.parse, not by koa-body: its parser (@hapi/bourne, through co-body) refuses
 *   any `__proto__` key, `{"__proto__": {"x": 1}}` is a 400 "Object contains forbidden prototype
 *   property", and koa-body passes co-body only encoding, limit, strict and returnRawBody, so that cannot
 *   be switched off. JSON.parse makes such a key an ordinary own property (no prototype is touched), and
 *   the schemas treat it like any other unknown key. So koa-body reads the body as text (its `text` mode
 *   for application/json).
 * - The bytes a webhook signature covers: `includeUnparsed` hands back the same decoded string, not the
 *   bytes. Decoded as UTF-8 it drops a leading BOM (EF BB BF) and turns an invalid byte (FF) into EF BF BD,
 *   so the signature would be checked over bytes the sender never sent. Decoded as Latin-1 (`binary`, the
 *   name under which iconv-lite uses Node's own decoder; its `latin1` is a slower table) every byte is one
 *   character, and Buffer.from(text, 'binary') is exactly what arrived.
 * - Content-Encoding names are case-insensitive and `x-gzip` means gzip (RFC 9110 8.4.1); inflation
 *   answers 415 to `GZIP` and to `x-gzip`, so the name is normalised first.
 * - inflation joins the request to the decompressor with pipe(): when a client goes away in the middle of
 *   a gzip body the read never settles (still pending after 3 s; without compression it rejects with
 *   "request aborted"), and the request would never be answered, logged or counted. `clientGone` ends it.
 * - A body that does not decompress (a gzip header on plain text) rejects with zlib's Z_DATA_ERROR, which
 *   carries no status: it is the client's mistake, answered 400 by the callers.
 */
const readers = new Map<string, Middleware>();

type TextEncoding = 'utf-8' | 'binary';

function reader(limitBytes: number, encoding: TextEncoding): Middleware {
  const key = `${encoding}:${limitBytes}`;
  let read = readers.get(key);
  if (!read) {
    read = koaBody({ json: false, urlencoded: false, text: true, textTypes: ['application/json'], textLimit: limitBytes, encoding });
    readers.set(key, read);
  }
  return read;
}

const equivalentEncodings: Record<string, string> = { 'x-gzip': 'gzip' };

function normaliseContentEncoding(req: IncomingMessage): void {
  const name = req.headers['content-encoding']?.trim().toLowerCase();
  if (name) req.headers['content-encoding'] = equivalentEncodings[name] ?? name;
}

/** Rejects when the client goes away before its whole body arrived (see above: a compressed read would wait forever). */
function clientGone(req: IncomingMessage): Promise<never> {
  return new Promise((_, reject) => {
    req.once('close', () => {
      if (!req.complete) reject(new Error('request aborted'));
    });
  });
}

/**
 * The body of an application/json request as text, or undefined for any other Content-Type. 413 over
 * the limit, 415 for an unknown Content-Encoding; any other failure to read it is `unreadable`.
 */
async function readText(ctx: Context, limitBytes: number, encoding: TextEncoding, unreadable: () => HttpError): Promise<string | undefined> {
  normaliseContentEncoding(ctx.req);
  try {
    await Promise.race([reader(limitBytes, encoding)(ctx, async () => undefined), clientGone(ctx.req)]);
  } catch (err) {
    const status = (err as { status?: unknown }).status;
    if (status === 413) throw new HttpError(413, 'payload_too_large', `Request bodies are limited to ${limitBytes} bytes`);
    if (status === 415) throw new HttpError(415, 'unsupported_media_type', `Content-Encoding ${ctx.get('content-encoding')} is not supported`);
    throw unreadable();
  }
  const text: unknown = ctx.request.body;
  return typeof text === 'string' ? text : undefined;
}

const malformedJson = () => new HttpError(400, 'malformed_json', 'Request body is not valid JSON');

/** The body of an application/json request, parsed: 415 for another Content-Type, 400 when it is not JSON. */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  const text = await readText(ctx, limitBytes, 'utf-8', malformedJson);
  if (text === undefined) throw new HttpError(415, 'unsupported_media_type', 'Send the body as Content-Type: application/json');
  try {
    return JSON.parse(text);
  } catch {
    throw malformedJson();
  }
}

/** The exact bytes of an application/json request (decompressed), for a signature check; undefined for another Content-Type. */
export async function readSignedBody(ctx: Context, limitBytes: number): Promise<Buffer | undefined> {
  const text = await readText(ctx, limitBytes, 'binary', () => new HttpError(400, 'bad_request', 'Could not read the request body'));
  return text === undefined ? undefined : Buffer.from(text, 'binary');
}

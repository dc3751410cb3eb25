import { pipeline } from 'node:stream';
import { createBrotliDecompress, createGunzip, createInflate } from 'node:zlib';
import type { Context } from 'koa';
import getRawBody from 'raw-body';
import { HttpError } from './errors';

const decoders: Record<string, (() => NodeJS.ReadWriteStream) | undefined> = {
  identity: undefined,
  gzip: createGunzip,
  'x-gzip': createGunzip,
  deflate: createInflate,
  br: createBrotliDecompress,
};

/**
 * The body, parsed as JSON: 413 over the limit (after decompression), 400 when it is not
 * JSON. Parsed with JSON.parse, which makes a `__proto__` key an ordinary own property (the schema then
 * drops it like any unknown key) rather than refusing the body as a JSON parser hardened against
 * prototype poisoning does, since the document allows any extra property.
 */
export async function readJsonBody(ctx: Context, limitBytes: number): Promise<unknown> {
  const encoding = (ctx.get('content-encoding') || 'identity').trim().toLowerCase();
  if (!Object.hasOwn(decoders, encoding)) {
    throw new HttpError(415, 'unsupported_media_type', `Content-Encoding ${encoding} is not supported`);
  }
  const decoder = decoders[encoding];
  let text: string;
  try {
    // pipeline, not pipe: a client that goes away ends the read with an error instead of leaving it waiting.
    text = await getRawBody(decoder ? pipeline(ctx.req, decoder(), () => undefined) : ctx.req, {
      limit: limitBytes,
      length: decoder ? undefined : ctx.get('content-length') || undefined,
      encoding: 'utf8',
    });
  } catch (err) {
    if ((err as { type?: string }).type === 'entity.too.large') throw new HttpError(413, 'payload_too_large', 'Request body is too large');
    throw new HttpError(400, 'malformed_json', 'Request body is not valid JSON');
  }
  try {
    return JSON.parse(text);
  } catch {
    throw new HttpError(400, 'malformed_json', 'Request body is not valid JSON');
  }
}

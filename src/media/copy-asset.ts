import { createHash } from 'node:crypto';
import { createWriteStream } from 'node:fs';
import { Readable, Transform } from 'node:stream';
import type { ReadableStream as WebReadableStream } from 'node:stream/web';
import { pipeline } from 'node:stream/promises';
import { CopyMismatch, fileDigests, type AssetStore, type StoredAsset } from './asset-store';

/** A source that answered but will never give the bytes (404, 410, 403: an expired link): retrying cannot help. */
export class SourceGone extends Error {
  constructor(readonly url: string, readonly status: number) {
    super(`the asset's source answered ${status}: ${new URL(url).origin}${new URL(url).pathname}`);
    this.name = 'SourceGone';
  }
}

/**
 * Downloads `url` to `file`, hashing on the way, and checks it came whole (the Content-Length, when the
 * server sent one). Answers the file's size, SHA-256 and content type.
 */
export async function downloadToFile(url: string, file: string, signal?: AbortSignal): Promise<{ size: number; sha256: string; contentType: string }> {
  const response = await fetch(url, { signal, redirect: 'follow' });
  if (!response.ok || !response.body) {
    if ([401, 403, 404, 410].includes(response.status)) throw new SourceGone(url, response.status);
    throw new Error(`the asset's source answered ${response.status}`);
  }
  const hash = createHash('sha256');
  let size = 0;
  const count = new Transform({
    transform(chunk: Buffer, _enc, done) {
      hash.update(chunk);
      size += chunk.length;
      done(null, chunk);
    },
  });
  await pipeline(Readable.fromWeb(response.body as WebReadableStream<Uint8Array>), count, createWriteStream(file), { signal });
  const expected = response.headers.get('content-length');
  if (expected !== null && Number(expected) !== size && !response.headers.get('content-encoding')) {
    throw new CopyMismatch(url, `received ${size} bytes of ${expected}`);
  }
  return { size, sha256: hash.digest('hex'), contentType: response.headers.get('content-type')?.split(';')[0] ?? 'application/octet-stream' };
}

/**
 * Copies a provider's output into the store under `key`, checked. Idempotent: when the key already
 * holds a copy of this very source (a retried activity, a replayed workflow) that copy is the answer,
 * even after the source's link has expired.
 */
export async function copyUrlToStore(store: AssetStore, url: string, key: string, scratchFile: string, signal?: AbortSignal): Promise<StoredAsset> {
  const existing = await store.head(key);
  if (existing && existing.sourceUrl === url) return existing;
  const facts = await downloadToFile(url, scratchFile, signal);
  return store.put(key, scratchFile, { ...facts, sourceUrl: url });
}

/** Stores a file Reelay made (a last frame, the film), checked. */
export async function storeFile(store: AssetStore, file: string, key: string, contentType: string): Promise<StoredAsset> {
  const { size, sha256 } = await fileDigests(file);
  const existing = await store.head(key);
  if (existing && existing.sha256 === sha256 && existing.size === size) return existing;
  return store.put(key, file, { size, sha256, contentType });
}

import { createReadStream, createWriteStream } from 'node:fs';
import { pipeline } from 'node:stream/promises';
import type { Readable } from 'node:stream';
import { DeleteObjectsCommand, GetObjectCommand, HeadObjectCommand, ListObjectsV2Command, PutObjectCommand, S3Client, S3ServiceException } from '@aws-sdk/client-s3';
import { getSignedUrl } from '@aws-sdk/s3-request-presigner';
import { CopyMismatch, fileDigests, type AssetFacts, type AssetStore, type StoredAsset } from './asset-store';

export interface S3StoreOptions {
  bucket: string;
  region: string;
  /** Any S3-compatible server (R2, GCS's S3 API, SeaweedFS); AWS itself when absent. */
  endpoint?: string;
  accessKeyId?: string;
  secretAccessKey?: string;
  /** Path-style URLs (`endpoint/bucket/key`), which most S3-compatible servers want. */
  forcePathStyle?: boolean;
}

/**
 * Assets in S3-compatible object storage. A PutObject is atomic (the object appears whole or not at all,
 * so a worker killed mid-copy leaves nothing a reader could get), and it carries Content-MD5, which the
 * server checks against what it received; the answer's ETag (a single PutObject's MD5) and the stored
 * size are checked again before the copy counts as done. The SHA-256 and the source URL ride along as
 * object metadata.
 */
export class S3AssetStore implements AssetStore {
  readonly kind = 's3';
  readonly client: S3Client;

  constructor(readonly options: S3StoreOptions) {
    this.client = new S3Client({
      region: options.region,
      endpoint: options.endpoint,
      forcePathStyle: options.forcePathStyle ?? Boolean(options.endpoint),
      // Content-MD5 is the check every S3-compatible server knows; the newer trailing checksums are not.
      requestChecksumCalculation: 'WHEN_REQUIRED',
      responseChecksumValidation: 'WHEN_REQUIRED',
      ...(options.accessKeyId && options.secretAccessKey ? { credentials: { accessKeyId: options.accessKeyId, secretAccessKey: options.secretAccessKey } } : {}),
    });
  }

  async put(key: string, file: string, facts: AssetFacts): Promise<StoredAsset> {
    const { md5, size, sha256 } = await fileDigests(file);
    if (size !== facts.size) throw new CopyMismatch(key, `the file holds ${size} bytes, expected ${facts.size}`);
    if (sha256 !== facts.sha256) throw new CopyMismatch(key, 'SHA-256 differs');
    const answer = await this.client.send(
      new PutObjectCommand({
        Bucket: this.options.bucket,
        Key: key,
        Body: createReadStream(file),
        ContentLength: size,
        ContentMD5: md5,
        ContentType: facts.contentType,
        // Metadata travels as HTTP headers: the URL goes base64url-encoded, whatever characters it holds.
        Metadata: { sha256: facts.sha256, ...(facts.sourceUrl ? { sourceurl: Buffer.from(facts.sourceUrl).toString('base64url') } : {}) },
      }),
    );
    const etag = answer.ETag?.replace(/"/g, '');
    if (etag && etag !== Buffer.from(md5, 'base64').toString('hex')) throw new CopyMismatch(key, 'the stored ETag is not the MD5 sent');
    const stored = await this.head(key);
    if (!stored || stored.size !== size) throw new CopyMismatch(key, `stored ${stored?.size ?? 'nothing'}, expected ${size} bytes`);
    return { key, ...facts };
  }

  async head(key: string): Promise<StoredAsset | undefined> {
    try {
      const answer = await this.client.send(new HeadObjectCommand({ Bucket: this.options.bucket, Key: key }));
      const meta = Object.fromEntries(Object.entries(answer.Metadata ?? {}).map(([k, v]) => [k.toLowerCase(), v]));
      const source = meta.sourceurl;
      return {
        key,
        size: answer.ContentLength ?? 0,
        sha256: meta.sha256 ?? '',
        contentType: answer.ContentType ?? 'application/octet-stream',
        ...(source ? { sourceUrl: Buffer.from(source, 'base64url').toString() } : {}),
      };
    } catch (err) {
      if (err instanceof S3ServiceException && err.$metadata.httpStatusCode === 404) return undefined;
      throw err;
    }
  }

  async download(key: string, file: string): Promise<void> {
    await pipeline(await this.read(key), createWriteStream(file));
  }

  /** The asset's bytes as a stream (the gateway passes small ones on itself). */
  async read(key: string): Promise<Readable> {
    const answer = await this.client.send(new GetObjectCommand({ Bucket: this.options.bucket, Key: key }));
    return answer.Body as Readable;
  }

  async list(prefix: string): Promise<string[]> {
    const keys: string[] = [];
    let token: string | undefined;
    do {
      const page = await this.client.send(new ListObjectsV2Command({ Bucket: this.options.bucket, Prefix: prefix, ContinuationToken: token }));
      keys.push(...(page.Contents ?? []).map((o) => o.Key!).filter(Boolean));
      token = page.IsTruncated ? page.NextContinuationToken : undefined;
    } while (token);
    return keys.sort();
  }

  async delete(keys: string[]): Promise<void> {
    for (let i = 0; i < keys.length; i += 1000) {
      const batch = keys.slice(i, i + 1000).map((Key) => ({ Key }));
      await this.client.send(new DeleteObjectsCommand({ Bucket: this.options.bucket, Delete: { Objects: batch, Quiet: true } }));
    }
  }

  /** A link to the asset that works for `seconds` without credentials. */
  signedUrl(key: string, seconds: number): Promise<string> {
    return getSignedUrl(this.client, new GetObjectCommand({ Bucket: this.options.bucket, Key: key }), { expiresIn: seconds });
  }
}

import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';

/** What is known of a stored asset, kept beside it (object metadata, or a sidecar file). */
export interface AssetFacts {
  size: number;
  /** Hex SHA-256 of the bytes, checked on every copy. */
  sha256: string;
  contentType: string;
  /** Where the bytes came from (a provider's link, which may since have expired); absent for what Reelay made. */
  sourceUrl?: string;
}

export interface StoredAsset extends AssetFacts {
  key: string;
}

/**
 * Where a project's media are kept, under stable keys (see assetKeys). Every `put` is whole or nothing:
 * a reader never sees a half-written object, whatever happens to the writer mid-copy.
 */
export interface AssetStore {
  readonly kind: 'local' | 's3';
  /** Stores `file` under `key` and checks the copy (size, checksum) before answering. */
  put(key: string, file: string, facts: AssetFacts): Promise<StoredAsset>;
  /** The asset's facts, or undefined when there is no such (complete) asset. */
  head(key: string): Promise<StoredAsset | undefined>;
  /** Copies the asset into a local file (for ffmpeg). */
  download(key: string, file: string): Promise<void>;
  /** Keys under a prefix, for retention and deletion. */
  list(prefix: string): Promise<string[]>;
  delete(keys: string[]): Promise<void>;
}

/** Stable keys: a scene's assets and the film, per project. `n` is the scene's position, from 1. */
export const assetKeys = {
  sceneVideo: (projectId: string, n: number) => `projects/${projectId}/scenes/${n}/video.mp4`,
  sceneLastFrame: (projectId: string, n: number) => `projects/${projectId}/scenes/${n}/last-frame.png`,
  sceneThumbnail: (projectId: string, n: number, extension = 'jpg') => `projects/${projectId}/scenes/${n}/thumbnail.${extension}`,
  film: (projectId: string) => `projects/${projectId}/film.mp4`,
  project: (projectId: string) => `projects/${projectId}/`,
  /** Last frames and scene videos: what retention may remove once the film is done. */
  isIntermediate: (key: string) => /\/scenes\/\d+\/(video\.mp4|last-frame\.png)$/.test(key),
};

/**
 * A key Reelay would have written: relative, no `..`, no empty segment, only the characters of film ids
 * (a client's film is `<project id>@<client>`, and a project id may hold `:`).
 */
export const isAssetKey = (key: string): boolean => /^[\w.:@-]+(\/[\w.:@-]+)*$/.test(key) && !key.split('/').some((s) => s === '.' || s === '..');

/** Size, SHA-256 (hex) and MD5 (base64, S3's Content-MD5) of a local file, read once. */
export async function fileDigests(file: string): Promise<{ size: number; sha256: string; md5: string }> {
  const sha256 = createHash('sha256');
  const md5 = createHash('md5');
  let size = 0;
  for await (const chunk of createReadStream(file) as AsyncIterable<Buffer>) {
    sha256.update(chunk);
    md5.update(chunk);
    size += chunk.length;
  }
  return { size, sha256: sha256.digest('hex'), md5: md5.digest('base64') };
}

/** A copy that came out different from its source: never counted as done (the activity retries it). */
export class CopyMismatch extends Error {
  constructor(key: string, what: string) {
    super(`the copy of ${key} does not match its source (${what})`);
    this.name = 'CopyMismatch';
  }
}

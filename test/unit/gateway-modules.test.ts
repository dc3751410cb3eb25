import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { promisify } from 'node:util';

const run = promisify(execFile);
const root = path.resolve(__dirname, '..', '..');

/** How many AWS SDK modules a fresh process holds after loading the gateway and the worker, then after opening `store`. */
async function awsModulesLoaded(store: string): Promise<[number, number]> {
  const script = `
    const aws = () => Object.keys(require.cache).filter((file) => file.includes('@aws-sdk')).length;
    require('./src/http/app'); require('./src/worker/start-worker');
    const before = aws();
    require('./src/media/open-store').openAssetStore(${store});
    console.log(JSON.stringify([before, aws()]));`;
  const { stdout } = await run(process.execPath, ['--import', 'tsx', '--no-warnings', '-e', script], { cwd: root });
  return JSON.parse(stdout.trim().split('\n').pop()!) as [number, number];
}

describe('process footprint', function () {
  this.timeout(60_000);

  it('loads the AWS SDK (7 MiB of heap) only in a process whose asset store is S3', async () => {
    const [beforeS3, withS3] = await awsModulesLoaded("{ kind: 's3', bucket: 'films', region: 'us-east-1' }");
    assert.equal(beforeS3, 0, 'the gateway and the worker load it without an S3 store');
    assert.ok(withS3 > 0, 'opening an S3 store loads it');
    assert.deepEqual(await awsModulesLoaded("{ kind: 'local', root: '/tmp/reelay-footprint' }"), [0, 0]);
  });
});

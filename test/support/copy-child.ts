import { copyUrlToStore } from '../../src/media/copy-asset';
import { openTestStore, type TestStoreConfig } from './asset-stores';

/**
 * A process that copies one URL into a store, for the crash test: it is killed with -9 mid-copy.
 * argv: the store's configuration (JSON), the URL, the key, a scratch file.
 */
async function main() {
  const [config, url, key, scratch] = process.argv.slice(2);
  const store = openTestStore(JSON.parse(config) as TestStoreConfig);
  await copyUrlToStore(store, url, key, scratch);
  console.log('copied');
}

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});

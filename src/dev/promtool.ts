import { existsSync } from 'node:fs';
import path from 'node:path';
import { goInstall } from './go-install';
import { cacheDir } from './local-tools';

/**
 * The Prometheus release `docker-compose.yml` runs (a test holds the two together), whose `promtool`
 * checks and unit-tests the alert rules in ops/prometheus in `npm test`.
 */
export const prometheusVersion = '3.16.0';
/**
 * Prometheus 3.x.y is the Go module version v0.3xx.y. v0.316.0 is the newest whose go.mod has no
 * `replace` directive (3.15 has one, which `go install pkg@version` refuses); it asks for Go 1.26.7.
 */
const promtoolPackage = 'github.com/prometheus/prometheus/cmd/promtool@v0.316.0';
/**
 * promtool without the cloud service discoveries (AWS, Azure, GCE, Kubernetes, …), whose SDKs are most
 * of its compile time: ops/prometheus/prometheus.yml uses DNS discovery only, and `promtool check config`
 * must still know that one. The rules and their tests need no discovery at all.
 */
const buildTags = ['remove_all_sd', 'enable_dns_sd'];
/** Packages `go install -v` compiles for it from a cold cache, for the progress bar. */
const packagesToBuild = 930;

export const cachedPromtoolPath = (): string => path.join(cacheDir(), `promtool-v${prometheusVersion}`, 'promtool');

/** The cached promtool, or undefined before the first build. */
export function findPromtool(): string | undefined {
  const cached = cachedPromtoolPath();
  return existsSync(cached) ? cached : undefined;
}

/** Builds promtool from the Go module proxy into the cache (minutes on 2 cores, once). */
export async function buildPromtool(onProgress: (built: number, total: number) => void): Promise<string> {
  const target = cachedPromtoolPath();
  await goInstall({ packages: [promtoolPackage], binaries: { promtool: path.basename(target) }, targetDir: path.dirname(target), packagesToBuild, tags: buildTags, onProgress });
  return target;
}

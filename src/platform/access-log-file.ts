import { once } from 'node:events';
import { mkdirSync } from 'node:fs';
import path from 'node:path';
import { createStream, type RotatingFileStream } from 'rotating-file-stream';

export interface AccessLogFileOptions {
  /** Absolute path of the current file; rotated files are `<file>.1` (newest) … `<file>.<files>`. */
  file: string;
  /** Rotate when the current file reaches this size. */
  maxBytes: number;
  /** Rotated files kept beside the current one. */
  files: number;
}

export interface AccessLogFile {
  /** Appends one JSON line. Never throws: the log must not fail the request it describes. */
  write(entry: Record<string, unknown>): void;
}

/** Lines waiting for a slow disk are dropped past this much, rather than held in memory without limit. */
const maxBufferedBytes = 16 * 1024 * 1024;

interface OpenFile extends AccessLogFile {
  stream: RotatingFileStream;
}

/**
 * One stream per file in this process, however many gateways (tests run several) write to it: two
 * streams on one file would each count its size and rotate it under the other.
 */
const open = new Map<string, OpenFile>();

function report(file: string, problem: string): void {
  process.stderr.write(`Webhook access log ${file}: ${problem}\n`);
}

function openFile({ file, maxBytes, files }: AccessLogFileOptions): OpenFile {
  const dir = path.dirname(file);
  const name = path.basename(file);
  let broken = false;
  let dropped = 0;
  try {
    mkdirSync(dir, { recursive: true });
  } catch (err) {
    broken = true;
    report(file, `cannot create ${dir} (${(err as Error).message}); webhook requests are not logged to it`);
  }
  // Classical logrotate naming, so the live file keeps its name for `tail -f` and `grep`.
  const stream = createStream((index: number | Date | null) => (typeof index === 'number' && index > 0 ? `${name}.${index}` : name), {
    path: dir,
    size: `${maxBytes}B`,
    rotate: files,
  });
  // A broken file stays in `open`, silent, so that it is reported once rather than on every request.
  stream.on('error', (err) => {
    if (!broken) report(file, `${err.message}; webhook requests are no longer logged to it`);
    broken = true;
  });
  stream.on('warning', (err) => report(file, err.message));
  return {
    stream,
    write(entry) {
      if (broken) return;
      if (stream.writableLength > maxBufferedBytes) {
        if (dropped++ === 0) report(file, 'the disk is not keeping up; dropping lines until it does');
        return;
      }
      if (dropped) {
        report(file, `${dropped} lines dropped`);
        dropped = 0;
      }
      stream.write(`${JSON.stringify(entry)}\n`);
    },
  };
}

/** The access log writing to `options.file`, opened (and its folder created) on first use. */
export function accessLogFile(options: AccessLogFileOptions): AccessLogFile {
  let entry = open.get(options.file);
  if (!entry) {
    entry = openFile(options);
    open.set(options.file, entry);
  }
  return entry;
}

/**
 * Flushes and closes the access log at `file` (every one open, without a file). A later write opens
 * it again, so a gateway still running after a stop loses nothing.
 */
export async function closeAccessLogFile(file?: string): Promise<void> {
  const closing = [...open].filter(([name]) => file === undefined || name === file);
  await Promise.all(
    closing.map(async ([name, { stream }]) => {
      open.delete(name);
      if (stream.destroyed || stream.writableFinished) return;
      const finished = once(stream, 'finish').catch(() => undefined);
      stream.end();
      await finished;
    }),
  );
}

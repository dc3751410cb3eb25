import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';

/** The nearest folder above `from` holding package.json. */
function packageFolder(from: string): string {
  for (let dir = from; ; dir = path.dirname(dir)) {
    if (existsSync(path.join(dir, 'package.json'))) return dir;
    if (path.dirname(dir) === dir) throw new Error(`No package.json above ${from}`);
  }
}

/** The folder holding package.json, prisma.config.ts, prisma/ and logs/, from src/ or from dist/src/. */
export const projectRoot = packageFolder(__dirname);

/** Reelay's version (package.json), read at run time rather than imported so the build does not copy package.json into dist/. */
export const packageVersion = (JSON.parse(readFileSync(path.join(projectRoot, 'package.json'), 'utf8')) as { version: string }).version;

import { existsSync } from 'node:fs';
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

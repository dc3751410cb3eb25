import path from 'node:path';

/** The folder holding package.json, prisma.config.ts, prisma/ and logs/, from src/ or from dist/. */
export const projectRoot = path.resolve(__dirname, '..', '..');

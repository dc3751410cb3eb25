export type { PrismaClient, Prisma } from '../generated/prisma/client';

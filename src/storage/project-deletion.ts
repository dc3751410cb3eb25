import type { PrismaClient } from './prisma';

/**
 * Removes every row a film left: the project and its scenes (cascade), its webhook events, and its
 * provider submissions and leases (a film that is not running holds none that matter). One
 * transaction: a film is there whole or gone. Returns whether there was a film to remove.
 */
export async function deleteProjectRows(prisma: PrismaClient, filmId: string): Promise<boolean> {
  const [, , , removed] = await prisma.$transaction([
    prisma.webhookEvent.deleteMany({ where: { projectId: filmId } }),
    prisma.providerSubmission.deleteMany({ where: { projectId: filmId } }),
    prisma.providerLease.deleteMany({ where: { projectId: filmId } }),
    prisma.project.deleteMany({ where: { id: filmId } }),
  ]);
  return removed.count > 0;
}

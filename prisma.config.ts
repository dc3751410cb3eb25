import 'dotenv/config';
import { defineConfig } from 'prisma/config';
import { PrismaPg } from '@prisma/adapter-pg';

// The JavaScript schema engine talks to PostgreSQL through the same driver adapter the app uses,
// so no native engine binary has to be downloaded (see README, "Toolchain notes").
export default defineConfig({
  schema: 'prisma/schema.prisma',
  experimental: { adapter: true },
  engine: 'js',
  async adapter() {
    const connectionString = process.env.DATABASE_URL;
    if (!connectionString) throw new Error('DATABASE_URL is not set: prisma CLI commands need a database');
    return new PrismaPg({ connectionString });
  },
});

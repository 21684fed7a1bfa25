import { defineConfig } from 'prisma/config';

// The CLI is only used for `prisma generate`, which needs no database.
// Migrations are applied by src/database/migrator.ts (see README).
export default defineConfig({
  schema: 'prisma/schema.prisma',
  migrations: { path: 'prisma/migrations' },
  datasource: { url: process.env.DATABASE_URL ?? 'postgresql://localhost:5432/postgres' },
});

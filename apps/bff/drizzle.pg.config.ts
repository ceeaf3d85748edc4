import { defineConfig } from 'drizzle-kit';

// The PostgreSQL twin of drizzle.config.ts: schema-pg/ (the same tables and row types as
// schema-sqlite/, checked by src/db/schema-agree.ts) and its own migrations. A schema change
// is made on both sides and generated twice:
//   npx drizzle-kit generate                                  (SQLite)
//   npx drizzle-kit generate --config drizzle.pg.config.ts    (PostgreSQL)
export default defineConfig({
  dialect: 'postgresql',
  schema: './src/db/schema-pg/index.ts',
  out: './src/db/migrations-pg',
});

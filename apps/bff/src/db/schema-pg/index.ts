// The PostgreSQL twins of schema-sqlite/: one file per file there, the same export names, JS
// property names, SQL table and column names, keys, foreign keys (same onDelete), index names and
// defaults, and the same row types (checked at compile time by ../schema-agree.ts). Column kinds:
// integer({ mode: 'boolean' }) -> boolean; AUTOINCREMENT ids -> integer identity BY DEFAULT
// (explicit ids allowed: see sequences.ts); epoch seconds and counters that may pass 2^31 ->
// bigint({ mode: 'number' }); other integers -> integer; text -> text. `(unixepoch())` defaults
// -> extract(epoch from now())::bigint. Migrations: ../migrations-pg (drizzle.pg.config.ts).
export * from './audit';
export * from './certifications';
export * from './config';
export * from './courses';
export * from './files';
export * from './hub';
export * from './messaging';
export * from './roles';
export * from './services';
export * from './sessions';
export * from './tokens';
export * from './users';

// The PostgreSQL twins of schema-sqlite/: one file per file there, the same export names, JS
// property names, SQL table and column names, keys, foreign keys (same onDelete), index names and
// defaults, and the same row types (checked at compile time by ../schema-agree.ts). Column kinds:
// integer({ mode: 'boolean' }) -> boolean; AUTOINCREMENT ids -> bigint identity BY DEFAULT
// (explicit ids allowed: see sequences.ts); every other integer -> bigint({ mode: 'number' }), as
// SQLite's integers are 64-bit and Moodle's are BIGINT: an id, a time or a count above 2^31 is
// data, not an error (migrations-pg/0006). text -> text. `(unixepoch())` defaults
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

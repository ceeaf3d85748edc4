-- The failed-login counters every node shares (lib/rate-limit.ts, rate-limiter-flexible's
-- RateLimiterPostgres with tableName 'rate_limits' and tableCreated: true). The columns are the
-- library's own (RateLimiterPostgres._getCreateTableStmt): the key is `<keyPrefix>:<key>`,
-- `expire` the window's end in milliseconds since the epoch (null: never). Not in schema-pg:
-- only the library reads and writes it.
CREATE TABLE IF NOT EXISTS "rate_limits" (
	"key" varchar(255) PRIMARY KEY,
	"points" integer NOT NULL DEFAULT 0,
	"expire" bigint
);
--> statement-breakpoint
-- The library's sweep (every 5 minutes: DELETE … WHERE expire < now - 1 hour).
CREATE INDEX IF NOT EXISTS "rate_limits_expire_idx" ON "rate_limits" ("expire");

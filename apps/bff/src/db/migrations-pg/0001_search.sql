-- Substring search for the console's lists (Manage tokens by name, Users by any name field):
-- PostgreSQL's twin of SQLite's FTS5 trigram tables of migrations/0005_search.sql. pg_trgm's GIN
-- indexes answer `col ILIKE '%v%'` (and LIKE) from the index for 3+ characters, case-insensitive
-- (trigrams are taken from the lower-cased text), on exactly the columns 0005 indexes, one index a
-- column: a search over several columns is `a ILIKE … OR b ILIKE …`, a BitmapOr of these indexes.
-- No triggers: PostgreSQL keeps its own indexes in step. pg_trgm is a trusted extension (PG 13+):
-- the database's owner may create it without being a superuser.
CREATE EXTENSION IF NOT EXISTS pg_trgm;--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "external_tokens_search_name_idx" ON "external_tokens" USING gin ("name" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "users_search_username_idx" ON "users" USING gin ("username" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "users_search_firstname_idx" ON "users" USING gin ("firstname" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "users_search_lastname_idx" ON "users" USING gin ("lastname" gin_trgm_ops);--> statement-breakpoint
CREATE INDEX IF NOT EXISTS "users_search_email_idx" ON "users" USING gin ("email" gin_trgm_ops);--> statement-breakpoint
-- Statistics for the new indexes, as 0005 does.
ANALYZE "external_tokens";--> statement-breakpoint
ANALYZE "users";

-- A 1–2 character search is "starts with" (db/sql.ts prefixSearch): `lower(col) LIKE 'ab%'`, a
-- range of these indexes (text_pattern_ops: LIKE's prefix whatever the database's collation).
-- The trigram indexes of 0001 cannot answer it: `ILIKE 'ab%'` there matches every word start.
CREATE INDEX "external_tokens_name_prefix_idx" ON "external_tokens" USING btree (lower("name") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "users_username_prefix_idx" ON "users" USING btree (lower("username") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "users_firstname_prefix_idx" ON "users" USING btree (lower("firstname") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "users_lastname_prefix_idx" ON "users" USING btree (lower("lastname") text_pattern_ops);--> statement-breakpoint
CREATE INDEX "users_email_prefix_idx" ON "users" USING btree (lower("email") text_pattern_ops);--> statement-breakpoint
-- Statistics for the indexes' expressions (the planner's estimate of a prefix's rows).
ANALYZE "external_tokens";--> statement-breakpoint
ANALYZE "users";

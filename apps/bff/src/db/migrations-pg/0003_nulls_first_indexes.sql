DROP INDEX "external_tokens_valid_until_idx";--> statement-breakpoint
DROP INDEX "external_tokens_last_access_idx";--> statement-breakpoint
DROP INDEX "users_lastlogin_idx";--> statement-breakpoint
CREATE INDEX "external_tokens_valid_until_idx" ON "external_tokens" USING btree ("hidden","valid_until" NULLS FIRST);--> statement-breakpoint
CREATE INDEX "external_tokens_last_access_idx" ON "external_tokens" USING btree ("hidden","last_access" NULLS FIRST);--> statement-breakpoint
CREATE INDEX "users_lastlogin_idx" ON "users" USING btree ("deleted","lastlogin" NULLS FIRST);
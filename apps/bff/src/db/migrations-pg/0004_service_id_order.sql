-- Manage tokens sorted by service reads each service's tokens in id order from this index (tokensPage).
DROP INDEX "external_tokens_service_idx";--> statement-breakpoint
CREATE INDEX "external_tokens_service_idx" ON "external_tokens" USING btree ("service_id","hidden","id");
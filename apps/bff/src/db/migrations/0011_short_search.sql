-- A 1–2 character search is "starts with" (db/sql.ts prefixSearch): `col LIKE 'ab%'` is a range of
-- an index in NOCASE order (SQLite's LIKE optimization; both fold ASCII case only). The FTS5
-- trigram tables of 0005 need 3+ characters.
CREATE INDEX `external_tokens_name_prefix_idx` ON `external_tokens` ("name" COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `users_username_prefix_idx` ON `users` ("username" COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `users_firstname_prefix_idx` ON `users` ("firstname" COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `users_lastname_prefix_idx` ON `users` ("lastname" COLLATE NOCASE);--> statement-breakpoint
CREATE INDEX `users_email_prefix_idx` ON `users` ("email" COLLATE NOCASE);--> statement-breakpoint
-- Statistics for the new indexes only (ANALYZE of an index), so that the planner weighs them.
ANALYZE `external_tokens_name_prefix_idx`;--> statement-breakpoint
ANALYZE `users_username_prefix_idx`;--> statement-breakpoint
ANALYZE `users_firstname_prefix_idx`;--> statement-breakpoint
ANALYZE `users_lastname_prefix_idx`;--> statement-breakpoint
ANALYZE `users_email_prefix_idx`;

CREATE TABLE `usage_buckets` (
	`scope` integer NOT NULL,
	`scope_id` integer NOT NULL,
	`period` integer NOT NULL,
	`start` integer NOT NULL,
	`reason` text NOT NULL,
	`calls` integer NOT NULL,
	PRIMARY KEY(`scope`, `scope_id`, `period`, `start`, `reason`)
) WITHOUT ROWID;
--> statement-breakpoint
CREATE INDEX `usage_buckets_age_idx` ON `usage_buckets` (`period`,`start`);--> statement-breakpoint
ALTER TABLE `external_tokens` ADD `last_ip` text;
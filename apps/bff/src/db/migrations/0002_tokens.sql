CREATE TABLE `external_tokens` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`token_hash` text NOT NULL,
	`stub` text NOT NULL,
	`name` text NOT NULL,
	`user_id` integer NOT NULL,
	`service_id` integer NOT NULL,
	`ip_restriction` text,
	`valid_until` integer,
	`creator_id` integer,
	`origin` text NOT NULL,
	`hidden` integer DEFAULT false NOT NULL,
	`timecreated` integer NOT NULL,
	`last_access` integer,
	`calls` integer DEFAULT 0 NOT NULL,
	`last_error` text,
	`last_error_at` integer,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`service_id`) REFERENCES `external_services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `external_tokens_token_hash_unique` ON `external_tokens` (`token_hash`);--> statement-breakpoint
CREATE INDEX `external_tokens_user_idx` ON `external_tokens` (`user_id`,`service_id`);--> statement-breakpoint
CREATE INDEX `external_tokens_service_idx` ON `external_tokens` (`service_id`);--> statement-breakpoint
CREATE INDEX `external_tokens_name_idx` ON `external_tokens` (`name`);--> statement-breakpoint
CREATE INDEX `external_tokens_valid_until_idx` ON `external_tokens` (`valid_until`);--> statement-breakpoint
CREATE INDEX `external_tokens_created_idx` ON `external_tokens` (`timecreated`);--> statement-breakpoint
CREATE INDEX `external_tokens_last_access_idx` ON `external_tokens` (`last_access`);
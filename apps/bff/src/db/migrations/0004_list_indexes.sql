DROP INDEX `external_tokens_user_idx`;--> statement-breakpoint
DROP INDEX `external_tokens_service_idx`;--> statement-breakpoint
DROP INDEX `external_tokens_name_idx`;--> statement-breakpoint
DROP INDEX `external_tokens_valid_until_idx`;--> statement-breakpoint
DROP INDEX `external_tokens_created_idx`;--> statement-breakpoint
DROP INDEX `external_tokens_last_access_idx`;--> statement-breakpoint
CREATE INDEX `external_tokens_user_idx` ON `external_tokens` (`user_id`,`hidden`);--> statement-breakpoint
CREATE INDEX `external_tokens_service_idx` ON `external_tokens` (`service_id`,`hidden`);--> statement-breakpoint
CREATE INDEX `external_tokens_name_idx` ON `external_tokens` (`hidden`,`name`);--> statement-breakpoint
CREATE INDEX `external_tokens_valid_until_idx` ON `external_tokens` (`hidden`,`valid_until`);--> statement-breakpoint
CREATE INDEX `external_tokens_created_idx` ON `external_tokens` (`hidden`,`timecreated`);--> statement-breakpoint
CREATE INDEX `external_tokens_last_access_idx` ON `external_tokens` (`hidden`,`last_access`);--> statement-breakpoint
DROP INDEX `users_lastname_idx`;--> statement-breakpoint
DROP INDEX `users_firstname_idx`;--> statement-breakpoint
DROP INDEX `users_email_idx`;--> statement-breakpoint
DROP INDEX `users_timecreated_idx`;--> statement-breakpoint
DROP INDEX `users_lastlogin_idx`;--> statement-breakpoint
CREATE INDEX `users_fullname_idx` ON `users` (`lastname`,`firstname`);--> statement-breakpoint
CREATE INDEX `users_lastname_idx` ON `users` (`deleted`,`lastname`,`firstname`);--> statement-breakpoint
CREATE INDEX `users_firstname_idx` ON `users` (`deleted`,`firstname`,`lastname`);--> statement-breakpoint
CREATE INDEX `users_email_idx` ON `users` (`deleted`,`email`);--> statement-breakpoint
CREATE INDEX `users_timecreated_idx` ON `users` (`deleted`,`timecreated`);--> statement-breakpoint
CREATE INDEX `users_lastlogin_idx` ON `users` (`deleted`,`lastlogin`);
CREATE TABLE `audit_log` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`time` integer NOT NULL,
	`actor_id` integer,
	`actor_username` text NOT NULL,
	`action` text NOT NULL,
	`target_type` text NOT NULL,
	`target_id` text,
	`summary` text NOT NULL,
	`details` text DEFAULT '{}' NOT NULL,
	`ip` text DEFAULT '' NOT NULL
);
--> statement-breakpoint
CREATE INDEX `audit_time_idx` ON `audit_log` (`time`);--> statement-breakpoint
CREATE INDEX `audit_actor_idx` ON `audit_log` (`actor_username`,`time`);--> statement-breakpoint
CREATE INDEX `audit_action_idx` ON `audit_log` (`action`,`time`);--> statement-breakpoint
CREATE TABLE `config` (
	`name` text PRIMARY KEY NOT NULL,
	`value` text NOT NULL
);
--> statement-breakpoint
CREATE TABLE `role_assignments` (
	`role_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`timecreated` integer NOT NULL,
	PRIMARY KEY(`role_id`, `user_id`),
	FOREIGN KEY (`role_id`) REFERENCES `roles`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `role_assignments_user_idx` ON `role_assignments` (`user_id`);--> statement-breakpoint
CREATE TABLE `role_capabilities` (
	`role_id` integer NOT NULL,
	`capability` text NOT NULL,
	`permission` text NOT NULL,
	PRIMARY KEY(`role_id`, `capability`),
	FOREIGN KEY (`role_id`) REFERENCES `roles`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `role_capabilities_cap_idx` ON `role_capabilities` (`capability`);--> statement-breakpoint
CREATE TABLE `roles` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`shortname` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`archetype` text DEFAULT '' NOT NULL,
	`sortorder` integer DEFAULT 0 NOT NULL,
	`protected` integer DEFAULT false NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `roles_shortname_unique` ON `roles` (`shortname`);--> statement-breakpoint
CREATE UNIQUE INDEX `roles_name_unique` ON `roles` (`name`);--> statement-breakpoint
CREATE TABLE `sessions` (
	`id_hash` text PRIMARY KEY NOT NULL,
	`user_id` integer NOT NULL,
	`created_at` integer NOT NULL,
	`last_seen_at` integer NOT NULL,
	`ip` text DEFAULT '' NOT NULL,
	`user_agent` text DEFAULT '' NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `sessions_user_idx` ON `sessions` (`user_id`);--> statement-breakpoint
CREATE TABLE `users` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`username` text NOT NULL,
	`firstname` text NOT NULL,
	`lastname` text NOT NULL,
	`email` text NOT NULL,
	`password_hash` text NOT NULL,
	`auth` text DEFAULT 'manual' NOT NULL,
	`suspended` integer DEFAULT false NOT NULL,
	`confirmed` integer DEFAULT true NOT NULL,
	`password_expired` integer DEFAULT false NOT NULL,
	`site_admin` integer DEFAULT false NOT NULL,
	`deleted` integer DEFAULT false NOT NULL,
	`is_guest` integer DEFAULT false NOT NULL,
	`protected` integer DEFAULT false NOT NULL,
	`timecreated` integer DEFAULT (unixepoch()) NOT NULL,
	`timemodified` integer DEFAULT (unixepoch()) NOT NULL,
	`lastlogin` integer
);
--> statement-breakpoint
CREATE UNIQUE INDEX `users_username_unique` ON `users` (`username`);--> statement-breakpoint
CREATE INDEX `users_lastname_idx` ON `users` (`lastname`,`firstname`);--> statement-breakpoint
CREATE INDEX `users_firstname_idx` ON `users` (`firstname`);--> statement-breakpoint
CREATE INDEX `users_email_idx` ON `users` (`email`);--> statement-breakpoint
CREATE INDEX `users_timecreated_idx` ON `users` (`timecreated`);--> statement-breakpoint
CREATE INDEX `users_lastlogin_idx` ON `users` (`lastlogin`);
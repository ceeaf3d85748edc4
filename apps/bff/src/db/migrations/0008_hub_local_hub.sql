CREATE TABLE `hub_course_contents` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`module_type` text NOT NULL,
	`module_name` text NOT NULL,
	`content_count` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `hub_courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `hub_course_contents_course_idx` ON `hub_course_contents` (`course_id`);--> statement-breakpoint
CREATE TABLE `hub_course_outcomes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`fullname` text NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `hub_courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `hub_course_outcomes_course_idx` ON `hub_course_outcomes` (`course_id`);--> statement-breakpoint
CREATE TABLE `hub_stolen_secrets` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`secret_hash` text NOT NULL,
	`site_url` text NOT NULL,
	`time_blocked` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_stolen_secrets_secret_hash_unique` ON `hub_stolen_secrets` (`secret_hash`);--> statement-breakpoint
ALTER TABLE `hub_courses` ADD `deleted` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_courses` ADD `screenshots` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `secret_hash` text;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `time_confirmed` integer;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `deleted` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `contact_phone` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `contactable` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `email_alert` integer DEFAULT false NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `image_url` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `privacy` text DEFAULT 'named' NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `street` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `region_code` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `geolocation` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `moodle_version` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `ip` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `stat_enrolments` integer DEFAULT -1 NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `stat_posts` integer DEFAULT -1 NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `stat_questions` integer DEFAULT -1 NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `stat_resources` integer DEFAULT -1 NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `stat_participant_average` integer DEFAULT -1 NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `stat_module_average` integer DEFAULT -1 NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `stat_badges` integer DEFAULT -1 NOT NULL;--> statement-breakpoint
ALTER TABLE `hub_sites` ADD `stat_issued_badges` integer DEFAULT -1 NOT NULL;--> statement-breakpoint
CREATE UNIQUE INDEX `hub_sites_secret_hash_unique` ON `hub_sites` (`secret_hash`);
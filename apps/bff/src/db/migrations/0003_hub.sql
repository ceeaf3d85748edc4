CREATE TABLE `hub_courses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`site_id` integer,
	`site_course_id` integer NOT NULL,
	`fullname` text NOT NULL,
	`shortname` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`language` text DEFAULT 'en' NOT NULL,
	`publisher_name` text DEFAULT '' NOT NULL,
	`publisher_email` text DEFAULT '' NOT NULL,
	`contributor_names` text DEFAULT '' NOT NULL,
	`coverage` text DEFAULT '' NOT NULL,
	`creator_name` text DEFAULT '' NOT NULL,
	`licence` text DEFAULT 'unknown' NOT NULL,
	`subject` text DEFAULT '' NOT NULL,
	`audience` text NOT NULL,
	`educational_level` text NOT NULL,
	`creator_notes` text DEFAULT '' NOT NULL,
	`creator_notes_format` integer DEFAULT 1 NOT NULL,
	`course_url` text DEFAULT '' NOT NULL,
	`demo_url` text DEFAULT '' NOT NULL,
	`enrollable` integer DEFAULT false NOT NULL,
	`visible` integer DEFAULT false NOT NULL,
	`time_published` integer NOT NULL,
	`time_modified` integer NOT NULL,
	FOREIGN KEY (`site_id`) REFERENCES `hub_sites`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE INDEX `hub_courses_site_idx` ON `hub_courses` (`site_id`,`site_course_id`);--> statement-breakpoint
CREATE INDEX `hub_courses_published_idx` ON `hub_courses` (`site_id`,`time_published`);--> statement-breakpoint
CREATE INDEX `hub_courses_visible_idx` ON `hub_courses` (`visible`,`time_modified`);--> statement-breakpoint
CREATE INDEX `hub_courses_fullname_idx` ON `hub_courses` (`fullname`);--> statement-breakpoint
CREATE TABLE `hub_outbox` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`time` integer NOT NULL,
	`kind` text NOT NULL,
	`site_id` integer,
	`site_name` text NOT NULL,
	`site_url` text NOT NULL,
	`to_name` text NOT NULL,
	`to_email` text NOT NULL,
	`subject` text NOT NULL,
	`body` text NOT NULL
);
--> statement-breakpoint
CREATE INDEX `hub_outbox_time_idx` ON `hub_outbox` (`time`);--> statement-breakpoint
CREATE TABLE `hub_sites` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`url` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`contact_name` text DEFAULT '' NOT NULL,
	`contact_email` text DEFAULT '' NOT NULL,
	`language` text DEFAULT 'en' NOT NULL,
	`country` text DEFAULT '' NOT NULL,
	`trusted` integer DEFAULT false NOT NULL,
	`prioritised` integer DEFAULT false NOT NULL,
	`visible` integer DEFAULT true NOT NULL,
	`max_courses_per_day` integer,
	`user_id` integer,
	`stat_courses` integer DEFAULT 0 NOT NULL,
	`stat_users` integer DEFAULT 0 NOT NULL,
	`moodle_release` text DEFAULT '' NOT NULL,
	`time_registered` integer NOT NULL,
	`time_modified` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE set null
);
--> statement-breakpoint
CREATE UNIQUE INDEX `hub_sites_url_unique` ON `hub_sites` (`url`);--> statement-breakpoint
CREATE INDEX `hub_sites_name_idx` ON `hub_sites` (`name`);--> statement-breakpoint
CREATE INDEX `hub_sites_user_idx` ON `hub_sites` (`user_id`);--> statement-breakpoint
CREATE INDEX `hub_sites_trusted_idx` ON `hub_sites` (`trusted`);
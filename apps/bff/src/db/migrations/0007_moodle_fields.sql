CREATE TABLE `course_format_options` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`format` text NOT NULL,
	`section_id` integer DEFAULT 0 NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `course_format_options_idx` ON `course_format_options` (`course_id`,`format`,`section_id`,`name`);--> statement-breakpoint
CREATE TABLE `user_devices` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`appid` text NOT NULL,
	`name` text NOT NULL,
	`model` text NOT NULL,
	`platform` text NOT NULL,
	`version` text NOT NULL,
	`pushid` text NOT NULL,
	`uuid` text NOT NULL,
	`publickey` text,
	`timecreated` integer NOT NULL,
	`timemodified` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `user_devices_user_idx` ON `user_devices` (`user_id`,`appid`,`uuid`);--> statement-breakpoint
CREATE INDEX `user_devices_pushid_idx` ON `user_devices` (`pushid`);--> statement-breakpoint
CREATE TABLE `user_preferences` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`name` text NOT NULL,
	`value` text NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `user_preferences_user_name_idx` ON `user_preferences` (`user_id`,`name`);--> statement-breakpoint
ALTER TABLE `course_modules` ADD `content` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `course_modules` ADD `contentformat` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `course_modules` ADD `revision` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `course_modules` ADD `timemodified` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `sortorder` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `showgrades` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `newsitems` integer DEFAULT 5 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `maxbytes` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `showreports` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `groupmode` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `groupmodeforce` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `defaultgroupingid` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `enablecompletion` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `completionnotify` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `theme` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `calendartype` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `showactivitydates` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `showcompletionconditions` integer;--> statement-breakpoint
ALTER TABLE `courses` ADD `relativedatesmode` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `courses` ADD `marker` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `groups` ADD `visibility` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `groups` ADD `participation` integer DEFAULT true NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `idnumber` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `lang` text DEFAULT 'en' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `timezone` text DEFAULT '99' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `calendartype` text DEFAULT 'gregorian' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `theme` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `city` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `country` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `institution` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `department` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `phone1` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `phone2` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `address` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `description` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `descriptionformat` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `firstnamephonetic` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `lastnamephonetic` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `middlename` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `alternatename` text DEFAULT '' NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `mailformat` integer DEFAULT 1 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `maildisplay` integer DEFAULT 2 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `firstaccess` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
ALTER TABLE `users` ADD `policyagreed` integer DEFAULT 0 NOT NULL;--> statement-breakpoint
CREATE INDEX `users_idnumber_idx` ON `users` (`idnumber`);
CREATE TABLE `certification_assignments` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`certificationid` integer NOT NULL,
	`userid` integer NOT NULL,
	`sourceid` integer NOT NULL,
	`sourcetype` text NOT NULL,
	`archived` integer DEFAULT false NOT NULL,
	`timecertifiedtemp` integer,
	`evidencejson` text DEFAULT '{}' NOT NULL,
	`timecertifiedfrom` integer,
	`timecertifieduntil` integer,
	`timecreated` integer NOT NULL,
	FOREIGN KEY (`certificationid`) REFERENCES `certifications`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`userid`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `cert_assignments_cert_user_idx` ON `certification_assignments` (`certificationid`,`userid`);--> statement-breakpoint
CREATE TABLE `certification_periods` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`certificationid` integer NOT NULL,
	`userid` integer NOT NULL,
	`programid` integer NOT NULL,
	`timewindowstart` integer NOT NULL,
	`timewindowdue` integer,
	`timewindowend` integer,
	`allocationid` integer,
	`timecertified` integer,
	`timefrom` integer,
	`timeuntil` integer,
	`timerevoked` integer,
	`evidencejson` text DEFAULT '{}' NOT NULL,
	`recertifiable` integer DEFAULT false NOT NULL,
	FOREIGN KEY (`certificationid`) REFERENCES `certifications`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`userid`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `cert_periods_cert_user_idx` ON `certification_periods` (`certificationid`,`userid`,`timewindowstart`);--> statement-breakpoint
CREATE TABLE `certifications` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contextid` integer DEFAULT 1 NOT NULL,
	`fullname` text NOT NULL,
	`idnumber` text DEFAULT '' NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`descriptionformat` integer DEFAULT 1 NOT NULL,
	`publicaccess` integer DEFAULT false NOT NULL,
	`archived` integer DEFAULT false NOT NULL,
	`programid1` integer NOT NULL,
	`programid2` integer,
	`templateid` integer,
	`recertify` integer,
	`periodsjson` text DEFAULT '{}' NOT NULL,
	`sources` text DEFAULT '[]' NOT NULL,
	`cohortids` text DEFAULT '[]' NOT NULL,
	`tenantid` integer,
	`timecreated` integer NOT NULL
);
--> statement-breakpoint
CREATE TABLE `course_modules` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`section_id` integer NOT NULL,
	`modname` text NOT NULL,
	`name` text NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`url` text,
	`visible` integer DEFAULT true NOT NULL,
	`position` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`section_id`) REFERENCES `course_sections`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `course_modules_section_idx` ON `course_modules` (`section_id`,`position`);--> statement-breakpoint
CREATE TABLE `course_sections` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`section` integer NOT NULL,
	`name` text DEFAULT '' NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`visible` integer DEFAULT true NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `course_sections_course_section_idx` ON `course_sections` (`course_id`,`section`);--> statement-breakpoint
CREATE TABLE `courses` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`shortname` text NOT NULL,
	`fullname` text NOT NULL,
	`idnumber` text DEFAULT '' NOT NULL,
	`summary` text DEFAULT '' NOT NULL,
	`summaryformat` integer DEFAULT 1 NOT NULL,
	`categoryid` integer DEFAULT 1 NOT NULL,
	`format` text DEFAULT 'topics' NOT NULL,
	`visible` integer DEFAULT true NOT NULL,
	`lang` text DEFAULT '' NOT NULL,
	`startdate` integer DEFAULT 0 NOT NULL,
	`enddate` integer DEFAULT 0 NOT NULL,
	`timecreated` integer NOT NULL,
	`timemodified` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `courses_shortname_unique` ON `courses` (`shortname`);--> statement-breakpoint
CREATE TABLE `enrolments` (
	`course_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`role` text DEFAULT 'student' NOT NULL,
	`timecreated` integer NOT NULL,
	PRIMARY KEY(`course_id`, `user_id`),
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `enrolments_user_idx` ON `enrolments` (`user_id`);--> statement-breakpoint
CREATE TABLE `groups` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`name` text NOT NULL,
	`idnumber` text DEFAULT '' NOT NULL,
	`description` text DEFAULT '' NOT NULL,
	`descriptionformat` integer DEFAULT 1 NOT NULL,
	`enrolmentkey` text DEFAULT '' NOT NULL,
	`timecreated` integer NOT NULL,
	`timemodified` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE UNIQUE INDEX `groups_course_name_idx` ON `groups` (`course_id`,`name`);--> statement-breakpoint
CREATE TABLE `files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`user_id` integer NOT NULL,
	`filearea` text DEFAULT 'private' NOT NULL,
	`filepath` text DEFAULT '/' NOT NULL,
	`filename` text NOT NULL,
	`mimetype` text DEFAULT 'application/octet-stream' NOT NULL,
	`filesize` integer NOT NULL,
	`content` text NOT NULL,
	`timecreated` integer NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `files_user_idx` ON `files` (`user_id`,`filearea`,`filepath`,`filename`);--> statement-breakpoint
CREATE TABLE `messages` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`useridfrom` integer NOT NULL,
	`useridto` integer NOT NULL,
	`text` text NOT NULL,
	`textformat` integer DEFAULT 0 NOT NULL,
	`clientmsgid` text,
	`timecreated` integer NOT NULL,
	`timeread` integer,
	FOREIGN KEY (`useridfrom`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`useridto`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `messages_to_idx` ON `messages` (`useridto`,`timecreated`);--> statement-breakpoint
CREATE INDEX `messages_from_idx` ON `messages` (`useridfrom`,`timecreated`);--> statement-breakpoint
CREATE TABLE `notes` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`course_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`usermodified` integer NOT NULL,
	`content` text NOT NULL,
	`format` integer DEFAULT 1 NOT NULL,
	`publishstate` text NOT NULL,
	`created` integer NOT NULL,
	`lastmodified` integer NOT NULL,
	FOREIGN KEY (`course_id`) REFERENCES `courses`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `notes_user_idx` ON `notes` (`user_id`);--> statement-breakpoint
CREATE TABLE `external_service_functions` (
	`service_id` integer NOT NULL,
	`function_name` text NOT NULL,
	PRIMARY KEY(`service_id`, `function_name`),
	FOREIGN KEY (`service_id`) REFERENCES `external_services`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE TABLE `external_service_users` (
	`service_id` integer NOT NULL,
	`user_id` integer NOT NULL,
	`ip_restriction` text,
	`valid_until` integer,
	`timecreated` integer NOT NULL,
	PRIMARY KEY(`service_id`, `user_id`),
	FOREIGN KEY (`service_id`) REFERENCES `external_services`(`id`) ON UPDATE no action ON DELETE cascade,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
CREATE INDEX `external_service_users_user_idx` ON `external_service_users` (`user_id`);--> statement-breakpoint
CREATE TABLE `external_services` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`name` text NOT NULL,
	`shortname` text NOT NULL,
	`enabled` integer DEFAULT false NOT NULL,
	`restricted_users` integer DEFAULT false NOT NULL,
	`required_capability` text,
	`download_files` integer DEFAULT false NOT NULL,
	`upload_files` integer DEFAULT false NOT NULL,
	`component` text,
	`protected` integer DEFAULT false NOT NULL,
	`timecreated` integer NOT NULL,
	`timemodified` integer NOT NULL
);
--> statement-breakpoint
CREATE UNIQUE INDEX `external_services_name_unique` ON `external_services` (`name`);--> statement-breakpoint
CREATE UNIQUE INDEX `external_services_shortname_unique` ON `external_services` (`shortname`);
PRAGMA foreign_keys=OFF;--> statement-breakpoint
CREATE TABLE `__new_files` (
	`id` integer PRIMARY KEY AUTOINCREMENT NOT NULL,
	`contenthash` text,
	`contextid` integer NOT NULL,
	`component` text DEFAULT 'user' NOT NULL,
	`filearea` text DEFAULT 'private' NOT NULL,
	`itemid` integer DEFAULT 0 NOT NULL,
	`filepath` text DEFAULT '/' NOT NULL,
	`filename` text NOT NULL,
	`user_id` integer,
	`mimetype` text DEFAULT 'application/octet-stream' NOT NULL,
	`filesize` integer NOT NULL,
	`content` text,
	`source` text,
	`author` text,
	`license` text,
	`timecreated` integer NOT NULL,
	`timemodified` integer DEFAULT 0 NOT NULL,
	FOREIGN KEY (`user_id`) REFERENCES `users`(`id`) ON UPDATE no action ON DELETE cascade
);
--> statement-breakpoint
INSERT INTO `__new_files`("id", "contenthash", "contextid", "component", "filearea", "itemid", "filepath", "filename", "user_id", "mimetype", "filesize", "content", "source", "author", "license", "timecreated", "timemodified") SELECT "id", NULL, 30000000 + "user_id", 'user', "filearea", 0, "filepath", "filename", "user_id", "mimetype", "filesize", "content", NULL, NULL, NULL, "timecreated", "timecreated" FROM `files`;--> statement-breakpoint
DROP TABLE `files`;--> statement-breakpoint
ALTER TABLE `__new_files` RENAME TO `files`;--> statement-breakpoint
PRAGMA foreign_keys=ON;--> statement-breakpoint
CREATE UNIQUE INDEX `files_place_idx` ON `files` (`contextid`,`component`,`filearea`,`itemid`,`filepath`,`filename`);--> statement-breakpoint
CREATE INDEX `files_user_idx` ON `files` (`user_id`,`filearea`);--> statement-breakpoint
CREATE INDEX `files_contenthash_idx` ON `files` (`contenthash`);
-- Every integer column bigint, as SQLite's integers are 64-bit and Moodle's BIGINT: an id, a time or a
-- count above 2^31 is data (a lookup of id 2147483648 found nothing on SQLite and failed with 22003
-- "out of range for type integer" here). The identity sequences follow their columns.

ALTER TABLE "audit_log" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "audit_log" ALTER COLUMN "actor_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certification_assignments" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certification_assignments" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "certification_assignments" ALTER COLUMN "certificationid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certification_assignments" ALTER COLUMN "userid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certification_assignments" ALTER COLUMN "sourceid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certification_periods" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certification_periods" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "certification_periods" ALTER COLUMN "certificationid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certification_periods" ALTER COLUMN "userid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certification_periods" ALTER COLUMN "programid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certification_periods" ALTER COLUMN "allocationid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certifications" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certifications" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "certifications" ALTER COLUMN "contextid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certifications" ALTER COLUMN "contextid" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "certifications" ALTER COLUMN "descriptionformat" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certifications" ALTER COLUMN "descriptionformat" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "certifications" ALTER COLUMN "programid1" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certifications" ALTER COLUMN "programid2" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certifications" ALTER COLUMN "templateid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certifications" ALTER COLUMN "recertify" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "certifications" ALTER COLUMN "tenantid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_format_options" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_format_options" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "course_format_options" ALTER COLUMN "course_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_format_options" ALTER COLUMN "section_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_modules" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_modules" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "course_modules" ALTER COLUMN "course_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_modules" ALTER COLUMN "section_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_modules" ALTER COLUMN "position" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_modules" ALTER COLUMN "contentformat" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_modules" ALTER COLUMN "contentformat" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "course_modules" ALTER COLUMN "revision" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_modules" ALTER COLUMN "revision" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "course_sections" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_sections" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "course_sections" ALTER COLUMN "course_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "course_sections" ALTER COLUMN "section" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "summaryformat" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "summaryformat" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "categoryid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "categoryid" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "sortorder" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "showgrades" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "showgrades" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "newsitems" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "newsitems" SET DEFAULT 5;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "showreports" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "groupmode" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "groupmodeforce" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "defaultgroupingid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "enablecompletion" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "completionnotify" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "showactivitydates" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "showactivitydates" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "showcompletionconditions" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "relativedatesmode" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "courses" ALTER COLUMN "marker" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "enrolments" ALTER COLUMN "course_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "enrolments" ALTER COLUMN "user_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "groups" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "groups" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "groups" ALTER COLUMN "course_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "groups" ALTER COLUMN "descriptionformat" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "groups" ALTER COLUMN "descriptionformat" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "groups" ALTER COLUMN "visibility" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "files" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "files" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "files" ALTER COLUMN "contextid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "files" ALTER COLUMN "itemid" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "files" ALTER COLUMN "user_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_course_contents" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_course_contents" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "hub_course_contents" ALTER COLUMN "course_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_course_contents" ALTER COLUMN "content_count" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_course_outcomes" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_course_outcomes" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "hub_course_outcomes" ALTER COLUMN "course_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_courses" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_courses" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "hub_courses" ALTER COLUMN "site_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_courses" ALTER COLUMN "site_course_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_courses" ALTER COLUMN "creator_notes_format" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_courses" ALTER COLUMN "creator_notes_format" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "hub_courses" ALTER COLUMN "screenshots" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_outbox" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_outbox" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "hub_outbox" ALTER COLUMN "site_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "max_courses_per_day" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "user_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_courses" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_users" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_enrolments" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_enrolments" SET DEFAULT -1;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_posts" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_posts" SET DEFAULT -1;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_questions" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_questions" SET DEFAULT -1;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_resources" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_resources" SET DEFAULT -1;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_participant_average" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_participant_average" SET DEFAULT -1;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_module_average" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_module_average" SET DEFAULT -1;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_badges" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_badges" SET DEFAULT -1;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_issued_badges" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_sites" ALTER COLUMN "stat_issued_badges" SET DEFAULT -1;--> statement-breakpoint
ALTER TABLE "hub_stolen_secrets" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "hub_stolen_secrets" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "useridfrom" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "useridto" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "messages" ALTER COLUMN "textformat" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "notes" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "notes" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "notes" ALTER COLUMN "course_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "notes" ALTER COLUMN "user_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "notes" ALTER COLUMN "usermodified" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "notes" ALTER COLUMN "format" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "notes" ALTER COLUMN "format" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "role_assignments" ALTER COLUMN "role_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "role_assignments" ALTER COLUMN "user_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "role_capabilities" ALTER COLUMN "role_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "roles" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "roles" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "roles" ALTER COLUMN "sortorder" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "external_service_functions" ALTER COLUMN "service_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "external_service_users" ALTER COLUMN "service_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "external_service_users" ALTER COLUMN "user_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "external_services" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "external_services" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "sessions" ALTER COLUMN "user_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "external_tokens" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "external_tokens" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "external_tokens" ALTER COLUMN "user_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "external_tokens" ALTER COLUMN "service_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "external_tokens" ALTER COLUMN "creator_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "usage_buckets" ALTER COLUMN "scope" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "usage_buckets" ALTER COLUMN "scope_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "usage_buckets" ALTER COLUMN "period" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "user_devices" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "user_devices" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "user_devices" ALTER COLUMN "user_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "user_preferences" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "user_preferences" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "user_preferences" ALTER COLUMN "user_id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "id" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "id" SET MAXVALUE 9223372036854775807;--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "descriptionformat" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "descriptionformat" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "mailformat" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "mailformat" SET DEFAULT 1;--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "maildisplay" SET DATA TYPE bigint;--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "maildisplay" SET DEFAULT 2;--> statement-breakpoint
ALTER TABLE "users" ALTER COLUMN "policyagreed" SET DATA TYPE bigint;
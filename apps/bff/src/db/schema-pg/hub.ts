import { bigint, boolean, index, pgTable, text } from 'drizzle-orm/pg-core';
import { users } from './users';

/**
 * Sites registered with the community hub (Moodle's local_hub). Each site that registered
 * through hub_register_site has its own protected user and a hidden token; demo sites have none.
 */
export const hubSites = pgTable(
  'hub_sites',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    name: text('name').notNull(),
    /** Normalised (lower-case scheme and host, no trailing slash); unique among registered sites. */
    url: text('url').notNull().unique(),
    description: text('description').notNull().default(''),
    contactName: text('contact_name').notNull().default(''),
    contactEmail: text('contact_email').notNull().default(''),
    language: text('language').notNull().default('en'),
    country: text('country').notNull().default(''),
    trusted: boolean('trusted').notNull().default(false),
    /** A prioritised site is always trusted; its courses come first in searches. */
    prioritised: boolean('prioritised').notNull().default(false),
    visible: boolean('visible').notNull().default(true),
    /** Null: the hub's default maximum applies. */
    maxCoursesPerDay: bigint('max_courses_per_day', { mode: 'number' }),
    userId: bigint('user_id', { mode: 'number' }).references(() => users.id, { onDelete: 'set null' }),
    /** Statistics as the site reports them (-1 when it keeps them private). */
    statCourses: bigint('stat_courses', { mode: 'number' }).notNull().default(0),
    statUsers: bigint('stat_users', { mode: 'number' }).notNull().default(0),
    moodleRelease: text('moodle_release').notNull().default(''),
    timeRegistered: bigint('time_registered', { mode: 'number' }).notNull(),
    timeModified: bigint('time_modified', { mode: 'number' }).notNull(),
    // local_hub's registration (siteregistration.php): the site's secret (its `token`
    // parameter), kept only as a SHA-256 hash, and the rest of hub_site_directory's fields.
    /** SHA-256 (hex) of the secret the site registered with; null for sites made in the console or by hub_register_site. */
    secretHash: text('secret_hash').unique(),
    /** When the site first called the hub with its token (null: the registration is pending). */
    timeConfirmed: bigint('time_confirmed', { mode: 'number' }),
    /** Unregistered (hub_unregister_site): kept, with its courses, as local_hub keeps it; hidden from lists. */
    deleted: boolean('deleted').notNull().default(false),
    contactPhone: text('contact_phone').notNull().default(''),
    contactable: boolean('contactable').notNull().default(false),
    emailAlert: boolean('email_alert').notNull().default(false),
    imageUrl: text('image_url').notNull().default(''),
    /** The site's own privacy (Moodle's notdisplayed, named, linked). */
    privacy: text('privacy').notNull().default('named'),
    street: text('street').notNull().default(''),
    regionCode: text('region_code').notNull().default(''),
    geolocation: text('geolocation').notNull().default(''),
    /** Moodle's version number as the site sent it (a float such as 2017051500.03), as text. */
    moodleVersion: text('moodle_version').notNull().default(''),
    /** The address the last registration or update came from. */
    ip: text('ip').notNull().default(''),
    statEnrolments: bigint('stat_enrolments', { mode: 'number' }).notNull().default(-1),
    statPosts: bigint('stat_posts', { mode: 'number' }).notNull().default(-1),
    statQuestions: bigint('stat_questions', { mode: 'number' }).notNull().default(-1),
    statResources: bigint('stat_resources', { mode: 'number' }).notNull().default(-1),
    statParticipantAverage: bigint('stat_participant_average', { mode: 'number' }).notNull().default(-1),
    statModuleAverage: bigint('stat_module_average', { mode: 'number' }).notNull().default(-1),
    statBadges: bigint('stat_badges', { mode: 'number' }).notNull().default(-1),
    statIssuedBadges: bigint('stat_issued_badges', { mode: 'number' }).notNull().default(-1),
  },
  (t) => [
    index('hub_sites_name_idx').on(t.name),
    index('hub_sites_user_idx').on(t.userId),
    index('hub_sites_trusted_idx').on(t.trusted),
  ],
);

/** Courses published on the hub, with Moodle's hub course fields. */
export const hubCourses = pgTable(
  'hub_courses',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    /** Null when the site was deleted without its courses. */
    siteId: bigint('site_id', { mode: 'number' }).references(() => hubSites.id, { onDelete: 'set null' }),
    siteCourseId: bigint('site_course_id', { mode: 'number' }).notNull(),
    fullname: text('fullname').notNull(),
    shortname: text('shortname').notNull(),
    description: text('description').notNull().default(''),
    language: text('language').notNull().default('en'),
    publisherName: text('publisher_name').notNull().default(''),
    publisherEmail: text('publisher_email').notNull().default(''),
    contributorNames: text('contributor_names').notNull().default(''),
    coverage: text('coverage').notNull().default(''),
    creatorName: text('creator_name').notNull().default(''),
    licence: text('licence').notNull().default('unknown'),
    subject: text('subject').notNull().default(''),
    audience: text('audience').notNull(),
    educationalLevel: text('educational_level').notNull(),
    creatorNotes: text('creator_notes').notNull().default(''),
    creatorNotesFormat: bigint('creator_notes_format', { mode: 'number' }).notNull().default(1),
    courseUrl: text('course_url').notNull().default(''),
    demoUrl: text('demo_url').notNull().default(''),
    /** Enrollable (taught on the publishing site) or, when false, downloadable. */
    enrollable: boolean('enrollable').notNull().default(false),
    visible: boolean('visible').notNull().default(false),
    timePublished: bigint('time_published', { mode: 'number' }).notNull(),
    timeModified: bigint('time_modified', { mode: 'number' }).notNull(),
    /** Unpublished (hub_unregister_courses): kept, as local_hub keeps it; in no list or search. */
    deleted: boolean('deleted').notNull().default(false),
    /** The number of screenshots the site said it has (hub_register_courses' screenshots). */
    screenshots: bigint('screenshots', { mode: 'number' }).notNull().default(0),
  },
  (t) => [
    index('hub_courses_site_idx').on(t.siteId, t.siteCourseId),
    index('hub_courses_published_idx').on(t.siteId, t.timePublished),
    index('hub_courses_visible_idx').on(t.visible, t.timeModified),
    index('hub_courses_fullname_idx').on(t.fullname),
  ],
);

/** What a published course holds, as the site reported it (local_hub's hub_course_contents). */
export const hubCourseContents = pgTable(
  'hub_course_contents',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    courseId: bigint('course_id', { mode: 'number' })
      .notNull()
      .references(() => hubCourses.id, { onDelete: 'cascade' }),
    /** activity or block */
    moduleType: text('module_type').notNull(),
    moduleName: text('module_name').notNull(),
    contentCount: bigint('content_count', { mode: 'number' }).notNull(),
  },
  (t) => [index('hub_course_contents_course_idx').on(t.courseId)],
);

/** A published course's outcomes (local_hub's hub_course_outcomes). */
export const hubCourseOutcomes = pgTable(
  'hub_course_outcomes',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    courseId: bigint('course_id', { mode: 'number' })
      .notNull()
      .references(() => hubCourses.id, { onDelete: 'cascade' }),
    fullname: text('fullname').notNull(),
  },
  (t) => [index('hub_course_outcomes_course_idx').on(t.courseId)],
);

/**
 * Site secrets the hub administrator marked stolen (local_hub's hub_stolen_site_secrets): a
 * registration with one of them is refused. Kept as SHA-256 hashes.
 */
export const hubStolenSecrets = pgTable('hub_stolen_secrets', {
  id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
  secretHash: text('secret_hash').notNull().unique(),
  siteUrl: text('site_url').notNull(),
  timeBlocked: bigint('time_blocked', { mode: 'number' }).notNull(),
});

/** Messages the hub sends to site contacts (kept here so the console can show them). */
export const hubOutbox = pgTable(
  'hub_outbox',
  {
    id: bigint('id', { mode: 'number' }).primaryKey().generatedByDefaultAsIdentity(),
    time: bigint('time', { mode: 'number' }).notNull(),
    kind: text('kind').notNull(),
    /** The site the message is about; no foreign key, as the site is usually gone. */
    siteId: bigint('site_id', { mode: 'number' }),
    siteName: text('site_name').notNull(),
    siteUrl: text('site_url').notNull(),
    toName: text('to_name').notNull(),
    toEmail: text('to_email').notNull(),
    subject: text('subject').notNull(),
    body: text('body').notNull(),
  },
  (t) => [index('hub_outbox_time_idx').on(t.time)],
);

export type HubSiteRow = typeof hubSites.$inferSelect;
export type HubCourseRow = typeof hubCourses.$inferSelect;

import { z } from 'zod';
import { emailOrEmptySchema } from './email';
import { cleanScalar } from './external/validate';
import { cursorPageQuerySchema, pageQuerySchema } from './paging';

export * from './hub-subjects';

// The community hub (Moodle's local_hub): its settings, the registered sites and the courses
// they publish. Field vocabularies are Moodle's hub ones, so that a publishing site's values
// (audience, educational level, licence) mean the same thing here.

/**
 * The hub's privacy, with local_hub's values (HUBPRIVATE 'private', HUBALLOWPUBLICSEARCH
 * 'public', HUBALLOWGLOBALSEARCH 'search', local/hub/lib.php).
 */
export const HUB_PRIVACY = ['private', 'public', 'search'] as const;
export type HubPrivacy = (typeof HUB_PRIVACY)[number];
export const HUB_PRIVACY_LABELS: Record<HubPrivacy, string> = {
  private: 'Private: sites need the hub password to register; no public token, no public search',
  public: 'Public: any site can register; visitors can search the courses',
  search: 'Public, with global search: as public, and listed for searches across hubs',
};

/**
 * A stored or sent privacy value in local_hub's names: Gatehouse called 'search'
 * 'publicsearch' before it spoke local_hub's protocol, and still reads that name. Anything
 * else is undefined.
 */
export function hubPrivacyOf(v: unknown): HubPrivacy | undefined {
  if (v === 'publicsearch') return 'search';
  return (HUB_PRIVACY as readonly unknown[]).includes(v) ? (v as HubPrivacy) : undefined;
}

/** A registered site's own privacy, as Moodle sites send it (admin/registration/lib.php HUB_SITE*PUBLISHED). */
export const HUB_SITE_PRIVACY = ['notdisplayed', 'named', 'linked'] as const;
export type HubSitePrivacy = (typeof HUB_SITE_PRIVACY)[number];
export const HUB_SITE_PRIVACY_LABELS: Record<HubSitePrivacy, string> = {
  notdisplayed: 'Not published',
  named: 'Publish name',
  linked: 'Link published',
};

/** Where a registration stands: pending until the site first calls the hub with its token; unregistered when it left. */
const HUB_SITE_STATUSES = ['pending', 'confirmed', 'unregistered'] as const;
export type HubSiteStatus = (typeof HUB_SITE_STATUSES)[number];

export const HUB_AUDIENCES = ['educators', 'students', 'admins'] as const;
export type HubAudience = (typeof HUB_AUDIENCES)[number];
export const HUB_AUDIENCE_LABELS: Record<HubAudience, string> = {
  educators: 'Teachers',
  students: 'Students',
  admins: 'Administrators',
};

export const HUB_EDUCATIONAL_LEVELS = [
  'primary',
  'secondary',
  'tertiary',
  'government',
  'association',
  'corporate',
  'other',
] as const;
export type HubEducationalLevel = (typeof HUB_EDUCATIONAL_LEVELS)[number];
export const HUB_EDUCATIONAL_LEVEL_LABELS: Record<HubEducationalLevel, string> = {
  primary: 'Primary',
  secondary: 'Secondary',
  tertiary: 'Tertiary',
  government: 'Government',
  association: 'Association',
  corporate: 'Corporate',
  other: 'Other',
};

/** Moodle's licence short names. */
export const HUB_LICENCES = [
  'unknown',
  'allrightsreserved',
  'public',
  'cc',
  'cc-nd',
  'cc-nc-nd',
  'cc-nc',
  'cc-nc-sa',
  'cc-sa',
] as const;
export type HubLicence = (typeof HUB_LICENCES)[number];
export const HUB_LICENCE_LABELS: Record<HubLicence, string> = {
  unknown: 'Licence not specified',
  allrightsreserved: 'All rights reserved',
  public: 'Public domain',
  cc: 'Creative Commons',
  'cc-nd': 'Creative Commons - NoDerivs',
  'cc-nc-nd': 'Creative Commons - No Commercial NoDerivs',
  'cc-nc': 'Creative Commons - No Commercial',
  'cc-nc-sa': 'Creative Commons - No Commercial ShareAlike',
  'cc-sa': 'Creative Commons - ShareAlike',
};

/** Used when a site has no maximum of its own and the hub settings were never saved. */
export const HUB_DEFAULT_MAX_COURSES_PER_DAY = 20;

/** local_hub's HUB_MAXWSCOURSESRESULT: the default of its maxwscourseresult setting (courses per hub_get_courses call). */
export const HUB_DEFAULT_MAX_WS_COURSE_RESULT = 25;
/** Gatehouse's upper bound on maxwscourseresult, so that one call's answer stays bounded (local_hub has none). */
export const HUB_MAX_WS_COURSE_RESULT = 1000;

export const hubLanguageSchema = z
  .string()
  .trim()
  .toLowerCase()
  .regex(/^[a-z]{2,3}(_[a-z0-9]+)*$/, 'A language code such as en, fr or pt_br');

/** ISO 3166-1 alpha-2, stored upper case; empty for unknown. */
export const hubCountrySchema = z
  .string()
  .trim()
  .toUpperCase()
  .regex(/^([A-Z]{2})?$/, 'A two-letter country code such as FR, or empty');

const emailOrEmpty = emailOrEmptySchema;

const HUB_TEXT_RULE = 'Plain text only: no HTML tags such as <b> or <a href="…"> (the hub sends this to sites as text)';

/**
 * A field the hub's functions return as PARAM_TEXT (hub_get_info, hub_get_courses, and the
 * site information the sites send): the console takes only what that type accepts, so what is
 * stored can always be returned. The rule is the catalogue's own (cleanScalar('text')).
 */
const hubText = (max: number, required?: string) =>
  (required ? z.string().trim().min(1, required) : z.string().trim())
    .max(max, `At most ${max} characters`)
    .refine((v) => cleanScalar('text', v) !== undefined, HUB_TEXT_RULE);

const hubUrlSchema = z
  .string()
  .trim()
  .max(255, 'At most 255 characters')
  .refine((v) => {
    try {
      const u = new URL(v);
      return u.protocol === 'http:' || u.protocol === 'https:';
    } catch {
      return false;
    }
  }, 'An http:// or https:// address');

const urlOrEmpty = z
  .string()
  .trim()
  .max(255, 'At most 255 characters')
  .refine((v) => v === '' || hubUrlSchema.safeParse(v).success, 'An http:// or https:// address, or empty');

const maxPerDay = z
  .number({ message: 'A whole number' })
  .int('A whole number')
  .min(0, 'At least 0')
  .max(10_000, 'At most 10000');

// ---- settings --------------------------------------------------------------------------------

/**
 * Site administration > Hub > Settings. Every field optional (a patch); the password is
 * write-only: a string sets it, null removes it, and it is never sent back.
 */
export const hubSettingsPatchSchema = z
  .object({
    name: hubText(255, 'The hub needs a name'),
    description: hubText(5000),
    enabled: z.boolean(),
    privacy: z.preprocess((v) => hubPrivacyOf(v) ?? v, z.enum(HUB_PRIVACY, { message: 'private, public or search' })),
    password: z.string().min(1, 'Enter a password, or send null to remove it').max(200).nullable(),
    language: hubLanguageSchema,
    contactName: hubText(255),
    contactEmail: emailOrEmpty,
    maxCoursesPerDay: maxPerDay,
    /**
     * local_hub's maxwscourseresult: how many courses one hub_get_courses call returns (the
     * community block's page; givememore is the offset). At least 1, as local_hub's
     * maxwscourseresultempty ("Maximum course result must be > 0").
     */
    maxWsCourseResult: z
      .number({ message: 'A whole number of at least 1' })
      .int('A whole number of at least 1')
      .min(1, 'Maximum course result must be > 0: a search must return at least one course per call')
      .max(HUB_MAX_WS_COURSE_RESULT, `At most ${HUB_MAX_WS_COURSE_RESULT}`),
    /**
     * Let sites on loopback, private and link-local addresses (127.0.0.1, 10.x, 192.168.x,
     * fe80::, ...) register: the hub checks that a registering site answers at its address,
     * and refuses these by default so that registering cannot make the hub probe its own network.
     */
    allowLocalSites: z.boolean(),
  })
  .partial()
  .strict();
export type HubSettingsPatch = z.infer<typeof hubSettingsPatchSchema>;

export interface HubSettingsDto {
  name: string;
  description: string;
  enabled: boolean;
  privacy: HubPrivacy;
  /** Whether a hub password is set (the password itself is never returned). */
  passwordSet: boolean;
  language: string;
  contactName: string;
  contactEmail: string;
  /** The default maximum of courses a site may publish per day (a site may have its own). */
  maxCoursesPerDay: number;
  /** Courses per hub_get_courses call (local_hub's maxwscourseresult, default 25). */
  maxWsCourseResult: number;
  /** Whether sites on loopback, private and link-local addresses may register (off by default). */
  allowLocalSites: boolean;
  /** The hub's address, as registering sites see it. */
  url: string;
  /** Where would-be registering sites fetch the hub's public token. */
  publicTokenUrl: string;
  /** What the hub needs from the rest of the site (the seed's set-up steps). */
  checks: { webservices: boolean; xmlrpc: boolean };
  counts: { sites: number; courses: number };
}

export interface HubSettingsSaveDto {
  settings: HubSettingsDto;
  /** What enabling the hub created this time (all zero when it already existed). */
  created: { roles: number; users: number; services: number; tokens: number };
}

// ---- sites -----------------------------------------------------------------------------------

export const HUB_SITE_SORTS = [
  'name',
  'url',
  'language',
  'country',
  'trusted',
  'prioritised',
  'visible',
  'courses',
  'timeregistered',
  'timeconfirmed',
] as const;

/** Manage sites: filters, sort and page (keyset `cursor` for Previous / Next, or `page`). */
export const hubSiteListQuerySchema = cursorPageQuerySchema.extend({
  search: z.string().trim().max(200).optional(),
  trusted: z.enum(['yes', 'no']).optional(),
  language: hubLanguageSchema.optional(),
  country: hubCountrySchema.optional(),
  /**
   * registered (the default): pending and confirmed sites; pending, confirmed or unregistered:
   * only those; all: every site, unregistered ones included.
   */
  status: z.enum(['registered', 'pending', 'confirmed', 'unregistered', 'all']).default('registered'),
  sort: z.enum(HUB_SITE_SORTS).default('name'),
});
export type HubSiteListQuery = z.input<typeof hubSiteListQuerySchema>;

export const HUB_SITE_ACTIONS = ['prioritise', 'unprioritise', 'trust', 'untrust', 'show', 'hide'] as const;
export type HubSiteAction = (typeof HUB_SITE_ACTIONS)[number];

/** Manage sites > Settings. */
export const hubSiteUpdateSchema = z
  .object({
    name: hubText(255, 'Name is required'),
    url: hubUrlSchema,
    description: hubText(5000),
    contactName: hubText(255),
    contactEmail: emailOrEmpty,
    language: hubLanguageSchema,
    country: hubCountrySchema,
    /** Null: the hub's default applies. */
    maxCoursesPerDay: maxPerDay.nullable(),
  })
  .partial()
  .strict();
export type HubSiteUpdate = z.infer<typeof hubSiteUpdateSchema>;

export const hubSiteDeleteQuerySchema = z.object({
  withCourses: z.enum(['0', '1']).default('0'),
});

/** Manage sites > With selected sites > Delete: all of them or none. */
export const hubSiteBulkSchema = z
  .object({
    ids: z
      .array(z.number().int().positive())
      .min(1, 'Choose at least one site')
      .max(200, 'At most 200 sites at once')
      .refine((ids) => new Set(ids).size === ids.length, 'Each site at most once'),
    action: z.enum(['delete'], { message: 'delete' }),
    /** Delete the sites' courses too (otherwise they stay on the hub, without a site). */
    withCourses: z.boolean().default(false),
  })
  .strict();
export type HubSiteBulk = z.input<typeof hubSiteBulkSchema>;

export interface HubSiteBulkDeleteDto {
  deleted: number;
  coursesDeleted: number;
  coursesKept: number;
  /** The messages written to the outbox to the sites' contacts, one per site. */
  messages: HubOutboxMessageDto[];
}

export interface HubSiteDto {
  id: number;
  name: string;
  url: string;
  description: string;
  contactName: string;
  contactEmail: string;
  language: string;
  country: string;
  trusted: boolean;
  prioritised: boolean;
  visible: boolean;
  /** The site's own maximum, or null for the hub's default. */
  maxCoursesPerDay: number | null;
  /** The maximum that applies (own or default). */
  effectiveMaxCoursesPerDay: number;
  /** The site's hub user and token are the hub's own: locked. */
  protected: boolean;
  userId: number | null;
  statistics: {
    /** As the site reported them (-1: the site keeps it private). */
    courses: number;
    users: number;
    enrolments: number;
    posts: number;
    questions: number;
    resources: number;
    participantNumberAverage: number;
    moduleNumberAverage: number;
    badges: number;
    issuedBadges: number;
    /** Courses published on this hub, and how many of them are visible. */
    published: number;
    publishedVisible: number;
  };
  moodleRelease: string;
  /** Moodle's version number as the site sent it, e.g. 2017051500.03 ('' when not sent). */
  moodleVersion: string;
  timeRegistered: number;
  timeModified: number;
  /** Pending until the site first calls the hub with its token; unregistered once it left (or was deleted). */
  status: HubSiteStatus;
  /** When the site first called the hub with its token (null: pending). */
  timeConfirmed: number | null;
  /** Whether the site registered through siteregistration.php (with a secret the hub keeps hashed). */
  hasSecret: boolean;
  contactPhone: string;
  contactable: boolean;
  emailAlert: boolean;
  imageUrl: string;
  privacy: string;
  street: string;
  regionCode: string;
  geolocation: string;
  /** The address the last registration or update came from. */
  ip: string;
}

// ---- courses ---------------------------------------------------------------------------------

export const HUB_COURSE_SORTS = ['fullname', 'site', 'language', 'visible', 'timepublished', 'timemodified'] as const;

/** Manage courses: filters, sort and page (keyset `cursor` for Previous / Next, or `page`). */
export const hubCourseListQuerySchema = cursorPageQuerySchema.extend({
  search: z.string().trim().max(200).optional(),
  siteId: z.coerce.number().int().positive().optional(),
  visibility: z.enum(['all', 'visible', 'hidden']).default('all'),
  language: hubLanguageSchema.optional(),
  subject: z.string().trim().max(100).optional(),
  audience: z.enum(HUB_AUDIENCES).optional(),
  educationalLevel: z.enum(HUB_EDUCATIONAL_LEVELS).optional(),
  licence: z.enum(HUB_LICENCES).optional(),
  type: z.enum(['enrollable', 'downloadable']).optional(),
  /** Last modified on or after / on or before (unix seconds). */
  modifiedFrom: z.coerce.number().int().nonnegative().optional(),
  modifiedTo: z.coerce.number().int().nonnegative().optional(),
  sort: z.enum(HUB_COURSE_SORTS).default('timemodified'),
  dir: z.enum(['asc', 'desc']).default('desc'),
});
export type HubCourseListQuery = z.input<typeof hubCourseListQuerySchema>;

/** Manage courses > Settings. */
export const hubCourseUpdateSchema = z
  .object({
    fullname: hubText(255, 'Full name is required'),
    description: hubText(10_000),
    language: hubLanguageSchema,
    publisherName: hubText(255),
    publisherEmail: emailOrEmpty,
    creatorName: hubText(255),
    licence: z.enum(HUB_LICENCES, { message: 'Choose a licence from the list' }),
    subject: z
      .string()
      .trim()
      .max(100)
      .regex(/^[a-zA-Z0-9]*$/, 'Letters and digits only'),
    audience: z.enum(HUB_AUDIENCES, { message: 'educators, students or admins' }),
    educationalLevel: z.enum(HUB_EDUCATIONAL_LEVELS, { message: 'Choose an educational level from the list' }),
    courseUrl: urlOrEmpty,
    demoUrl: urlOrEmpty,
    creatorNotes: z.string().trim().max(10_000, 'At most 10000 characters'),
  })
  .partial()
  .strict();
export type HubCourseUpdate = z.infer<typeof hubCourseUpdateSchema>;

export const hubCourseBulkSchema = z
  .object({
    ids: z
      .array(z.number().int().positive())
      .min(1, 'Choose at least one course')
      .max(500, 'At most 500 courses at once'),
    action: z.enum(['show', 'hide', 'delete'], { message: 'show, hide or delete' }),
  })
  .strict();
export type HubCourseBulk = z.infer<typeof hubCourseBulkSchema>;

export interface HubCourseDto {
  id: number;
  site: { id: number; name: string; url: string; trusted: boolean; prioritised: boolean; visible: boolean } | null;
  siteCourseId: number;
  fullname: string;
  shortname: string;
  description: string;
  language: string;
  publisherName: string;
  publisherEmail: string;
  contributorNames: string;
  coverage: string;
  creatorName: string;
  licence: string;
  subject: string;
  audience: string;
  educationalLevel: string;
  creatorNotes: string;
  creatorNotesFormat: number;
  courseUrl: string;
  demoUrl: string;
  /** Enrollable courses are taught on the publishing site; the others are downloadable. */
  enrollable: boolean;
  downloadable: boolean;
  visible: boolean;
  timePublished: number;
  timeModified: number;
  /** The numbers (1 to 10, ascending) of the screenshots the hub holds for the course. */
  screenshots: number[];
  /** The size in bytes of the course's backup (.mbz), or null when the hub has none. */
  backupSize: number | null;
}

// ---- visitors' search and the outbox ---------------------------------------------------------

export const hubSearchQuerySchema = z.object({
  q: z.string().trim().max(200).default(''),
  page: z.coerce.number().int().min(1).max(100_000).default(1),
  perPage: z.coerce.number().int().min(1).max(50).default(20),
});

export interface HubSearchCourseDto {
  id: number;
  fullname: string;
  shortname: string;
  description: string;
  language: string;
  subject: string;
  audience: string;
  educationalLevel: string;
  licence: string;
  creatorName: string;
  publisherName: string;
  enrollable: boolean;
  courseUrl: string;
  demoUrl: string;
  timeModified: number;
  site: { name: string; url: string; prioritised: boolean };
  /** The numbers (1 to 10, ascending) of the course's screenshots, for download.php's screenshotnumber. */
  screenshots: number[];
  /** The size in bytes of a downloadable course's backup, or null (none, or an enrollable course). */
  backupSize: number | null;
}

export interface HubSearchResultDto {
  hub: { name: string; description: string; language: string };
  items: HubSearchCourseDto[];
  total: number;
  page: number;
  perPage: number;
}

export const hubOutboxQuerySchema = pageQuerySchema.extend({
  dir: z.enum(['asc', 'desc']).default('desc'),
});

export interface HubOutboxMessageDto {
  id: number;
  time: number;
  kind: string;
  siteId: number | null;
  siteName: string;
  siteUrl: string;
  toName: string;
  toEmail: string;
  subject: string;
  body: string;
}

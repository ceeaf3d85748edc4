import type { DbOrTx } from '../../db/client';
import { insertCourses, type NewHubCourse } from './hub-courses.repo';
import { countSites, insertSite, type NewHubSite } from './hub-sites.repo';

// Demo data for the hub screens: sites in each state (prioritised, trusted, untrusted, hidden)
// and courses in several states. Demo sites never registered, so they have no user or token.

const DAY = 86_400;

type DemoCourse = Omit<NewHubCourse, 'siteId' | 'timePublished' | 'timeModified'> & {
  daysAgo: number;
};

const course = (c: Partial<DemoCourse> & Pick<DemoCourse, 'siteCourseId' | 'fullname' | 'shortname'>): DemoCourse => ({
  description: '',
  language: 'en',
  publisherName: '',
  publisherEmail: '',
  creatorName: '',
  licence: 'cc-sa',
  subject: '',
  audience: 'students',
  educationalLevel: 'tertiary',
  enrollable: false,
  visible: true,
  daysAgo: 10,
  ...c,
});

const DEMO: {
  site: Omit<NewHubSite, 'timeRegistered' | 'timeModified'>;
  courses: DemoCourse[];
}[] = [
  {
    site: {
      name: 'Northwind Academy',
      url: 'https://academy.northwind.example',
      description: 'A teacher-training academy sharing its best courses.',
      contactName: 'Nadia North',
      contactEmail: 'hub@academy.northwind.example',
      language: 'en',
      country: 'AU',
      trusted: true,
      prioritised: true,
      statCourses: 120,
      statUsers: 4800,
      moodleRelease: '4.5',
    },
    courses: [
      course({
        siteCourseId: 11,
        fullname: 'Teaching with open educational resources',
        shortname: 'OER101',
        description: 'Find, adapt and share open educational resources.',
        publisherName: 'Nadia North',
        creatorName: 'Nadia North',
        subject: '070303',
        audience: 'educators',
        educationalLevel: 'tertiary',
        enrollable: true,
        courseUrl: 'https://academy.northwind.example/course/view.php?id=11',
        daysAgo: 30,
      }),
      course({
        siteCourseId: 12,
        fullname: 'Assessment design for online courses',
        shortname: 'ASSESS',
        description: 'Quizzes, rubrics and peer assessment that work online.',
        creatorName: 'Oliver Oak',
        subject: '070303',
        audience: 'educators',
        licence: 'cc',
        demoUrl: 'https://academy.northwind.example/demo/assess',
        daysAgo: 12,
      }),
    ],
  },
  {
    site: {
      name: 'Lycée du Lac',
      url: 'https://lycee-du-lac.example.fr',
      description: 'Un lycée qui publie ses cours de sciences.',
      contactName: 'Camille Lac',
      contactEmail: 'moodle@lycee-du-lac.example.fr',
      language: 'fr',
      country: 'FR',
      trusted: true,
      statCourses: 45,
      statUsers: 900,
      moodleRelease: '4.4',
    },
    courses: [
      course({
        siteCourseId: 3,
        fullname: 'Physique-chimie, seconde',
        shortname: 'PC2',
        description: 'Le programme de seconde, avec des expériences filmées.',
        language: 'fr',
        subject: '010301',
        audience: 'students',
        educationalLevel: 'secondary',
        licence: 'cc-nc-sa',
        daysAgo: 20,
      }),
      course({
        siteCourseId: 4,
        fullname: 'Mathématiques, première',
        shortname: 'MATH1',
        description: 'Suites, dérivation et probabilités.',
        language: 'fr',
        subject: '010101',
        educationalLevel: 'secondary',
        enrollable: true,
        courseUrl: 'https://lycee-du-lac.example.fr/course/view.php?id=4',
        daysAgo: 5,
      }),
      course({
        siteCourseId: 5,
        fullname: 'Brouillon : SVT terminale',
        shortname: 'SVT-T',
        language: 'fr',
        subject: '0109',
        educationalLevel: 'secondary',
        visible: false,
        daysAgo: 1,
      }),
    ],
  },
  {
    site: {
      name: 'Riverside Community College',
      url: 'http://moodle.riverside-college.example',
      description: 'Adult education and evening classes.',
      contactName: 'Ray Rivers',
      contactEmail: 'it@riverside-college.example',
      language: 'en',
      country: 'US',
      statCourses: 60,
      statUsers: 2100,
      moodleRelease: '4.1',
    },
    courses: [
      course({
        siteCourseId: 21,
        fullname: 'Introduction to bookkeeping',
        shortname: 'BOOK1',
        description: 'Ledgers, balance sheets and a first look at payroll.',
        subject: '080101',
        audience: 'students',
        educationalLevel: 'association',
        licence: 'allrightsreserved',
        visible: false,
        daysAgo: 2,
      }),
      course({
        siteCourseId: 22,
        fullname: 'Running a Moodle site for adult learners',
        shortname: 'ADMIN-AL',
        subject: '029999',
        audience: 'admins',
        educationalLevel: 'other',
        enrollable: true,
        courseUrl: 'http://moodle.riverside-college.example/course/view.php?id=22',
        visible: false,
        daysAgo: 3,
      }),
    ],
  },
  {
    site: {
      name: 'Escuela Abierta',
      url: 'https://escuela-abierta.example.es',
      description: 'Cursos abiertos para docentes de primaria.',
      contactName: 'Elena Abierta',
      contactEmail: 'hub@escuela-abierta.example.es',
      language: 'es',
      country: 'ES',
      visible: false,
      statCourses: -1,
      statUsers: -1,
    },
    courses: [
      course({
        siteCourseId: 7,
        fullname: 'Lectura en primaria',
        shortname: 'LECT',
        language: 'es',
        subject: '120103',
        audience: 'educators',
        educationalLevel: 'primary',
        daysAgo: 40,
      }),
    ],
  },
];

/** Seeds the demo hub sites and courses, once: only while the hub has no site at all. */
export async function seedHubDemo(tx: DbOrTx, now: number): Promise<boolean> {
  if ((await countSites(tx)) > 0) return false;
  for (const d of DEMO) {
    // Demo sites are confirmed registrations (they have been calling the hub for two months).
    const since = now - 60 * DAY;
    const site = await insertSite(tx, { ...d.site, timeRegistered: since, timeModified: since, timeConfirmed: since });
    await insertCourses(
      tx,
      d.courses.map(({ daysAgo, ...c }) => ({
        ...c,
        siteId: site.id,
        timePublished: now - daysAgo * DAY,
        timeModified: now - daysAgo * DAY,
      })),
    );
  }
  return true;
}

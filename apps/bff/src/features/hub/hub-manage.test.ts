import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { auditLog, externalTokens, hubCourses, hubOutbox, hubSites, users } from '../../db/schema';
import { type Client, errorOf, makeClock, makeTestApp, signIn, type TestApp } from '../../test/helpers';
import { SYSTEM_ACTOR } from '../audit/audit.service';
import { registerSite } from './hub-registration';

// Manage sites, Manage courses and the visitors' search, through the console API, over the
// demo hub data (four sites: prioritised, trusted, untrusted, hidden; courses in each state).

const DAY = 86_400;
const clock = makeClock(1_760_000_000);

async function hubApp(): Promise<{ t: TestApp; admin: Client }> {
  const t = await makeTestApp({ env: { GATEHOUSE_SEED_DEMO: '1' }, now: clock.now });
  const admin = await signIn(t, 'admin');
  const res = await admin.patch('/api/hub/settings', {
    enabled: true,
    privacy: 'public',
    name: 'Demo hub',
    contactName: 'Hilda Hub',
    contactEmail: 'hilda@hub.example',
  });
  if (res.status !== 200) throw new Error(res.text);
  return { t, admin };
}

const names = (res: { body: { items: { name?: string; fullname?: string; shortname?: string }[] } }) =>
  res.body.items.map((x) => x.name ?? x.shortname);

describe('Manage sites', () => {
  let t: TestApp;
  let admin: Client;
  const siteId = async (name: string) =>
    (await t.store.db.select().from(hubSites).where(eq(hubSites.name, name)).limit(1)).at(0)?.id as number;
  const site = async (name: string) =>
    (
      await t.store.db
        .select()
        .from(hubSites)
        .where(eq(hubSites.id, await siteId(name)))
        .limit(1)
    ).at(0);

  beforeAll(async () => {
    ({ t, admin } = await hubApp());
  });
  afterAll(() => t?.close());

  it('lists every site by name with its statistics, language, contact and states', async () => {
    const res = await admin.get('/api/hub/sites');
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ total: 4, page: 1, perPage: 25 });
    expect(names(res)).toEqual(['Escuela Abierta', 'Lycée du Lac', 'Northwind Academy', 'Riverside Community College']);
    expect(res.body.items[1]).toMatchObject({
      name: 'Lycée du Lac',
      url: 'https://lycee-du-lac.example.fr',
      description: 'Un lycée qui publie ses cours de sciences.',
      language: 'fr',
      country: 'FR',
      contactName: 'Camille Lac',
      contactEmail: 'moodle@lycee-du-lac.example.fr',
      trusted: true,
      prioritised: false,
      visible: true,
      protected: false,
      maxCoursesPerDay: null,
      effectiveMaxCoursesPerDay: 20,
      statistics: { courses: 45, users: 900, published: 3, publishedVisible: 2 },
    });
  });

  it('searches by keywords (every word), trusted, language and country', async () => {
    expect(names(await admin.get('/api/hub/sites?search=college'))).toEqual(['Riverside Community College']);
    expect(names(await admin.get('/api/hub/sites?search=sciences'))).toEqual(['Lycée du Lac']);
    expect(names(await admin.get('/api/hub/sites?search=teacher%20academy'))).toEqual(['Northwind Academy']);
    expect(names(await admin.get('/api/hub/sites?search=teacher%20lyc'))).toEqual([]);
    expect(names(await admin.get('/api/hub/sites?search=riverside-college.example'))).toEqual([
      'Riverside Community College',
    ]);
    expect(names(await admin.get('/api/hub/sites?trusted=yes'))).toEqual(['Lycée du Lac', 'Northwind Academy']);
    expect(names(await admin.get('/api/hub/sites?trusted=no'))).toEqual([
      'Escuela Abierta',
      'Riverside Community College',
    ]);
    expect(names(await admin.get('/api/hub/sites?language=fr'))).toEqual(['Lycée du Lac']);
    expect(names(await admin.get('/api/hub/sites?country=es'))).toEqual(['Escuela Abierta']);
    const both = await admin.get('/api/hub/sites?trusted=no&language=en');
    expect([names(both), both.body.total]).toEqual([['Riverside Community College'], 1]);
  });

  it('sorts and pages on the server, with the total', async () => {
    const p2 = await admin.get('/api/hub/sites?perPage=2&page=2');
    expect([names(p2), p2.body.total]).toEqual([['Northwind Academy', 'Riverside Community College'], 4]);
    const desc = await admin.get('/api/hub/sites?sort=name&dir=desc&perPage=1');
    expect(names(desc)).toEqual(['Riverside Community College']);
    const byCourses = await admin.get('/api/hub/sites?sort=courses&dir=desc');
    expect(names(byCourses)[0]).toBe('Lycée du Lac');
    expect(names(byCourses).at(-1)).toBe('Escuela Abierta');
    const byCountry = await admin.get('/api/hub/sites?sort=country');
    expect(byCountry.body.items.map((s: { country: string }) => s.country)).toEqual(['AU', 'ES', 'FR', 'US']);
  });

  it('refuses bad queries (400) and unknown sites (404)', async () => {
    expect((await admin.get('/api/hub/sites?trusted=maybe')).status).toBe(400);
    expect((await admin.get('/api/hub/sites?sort=password')).status).toBe(400);
    expect((await admin.get('/api/hub/sites?perPage=1000')).status).toBe(400);
    expect((await admin.get('/api/hub/sites/9999')).status).toBe(404);
    expect((await admin.post('/api/hub/sites/9999/trust')).status).toBe(404);
    expect((await admin.post(`/api/hub/sites/${await siteId('Lycée du Lac')}/promote`)).status).toBe(400);
  });

  it('prioritising trusts; untrusting unprioritises; each action audited', async () => {
    const id = await siteId('Riverside Community College');
    let res = await admin.post(`/api/hub/sites/${id}/prioritise`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ trusted: true, prioritised: true });
    res = await admin.post(`/api/hub/sites/${id}/untrust`);
    expect(res.body).toMatchObject({ trusted: false, prioritised: false });
    res = await admin.post(`/api/hub/sites/${id}/trust`);
    expect(res.body).toMatchObject({ trusted: true, prioritised: false });
    res = await admin.post(`/api/hub/sites/${id}/prioritise`);
    res = await admin.post(`/api/hub/sites/${id}/unprioritise`);
    expect(res.body).toMatchObject({ trusted: true, prioritised: false });
    res = await admin.post(`/api/hub/sites/${id}/hide`);
    expect(res.body.visible).toBe(false);
    res = await admin.post(`/api/hub/sites/${id}/show`);
    expect(res.body.visible).toBe(true);
    const actions = (await t.store.db.select().from(auditLog).where(eq(auditLog.targetType, 'hubsite'))).map(
      (a) => a.action,
    );
    expect(actions).toEqual([
      'hub.site.prioritise',
      'hub.site.untrust',
      'hub.site.trust',
      'hub.site.prioritise',
      'hub.site.unprioritise',
      'hub.site.hide',
      'hub.site.show',
    ]);
    // Nothing changes, nothing audited.
    await admin.post(`/api/hub/sites/${id}/show`);
    expect(await t.store.db.select().from(auditLog).where(eq(auditLog.targetType, 'hubsite'))).toHaveLength(7);
  });

  it('settings: every field of the form, the URL normalised and unique, zod-validated', async () => {
    const id = await siteId('Riverside Community College');
    const res = await admin.patch(`/api/hub/sites/${id}`, {
      name: 'Riverside College',
      url: 'HTTPS://Riverside.Example/moodle/',
      description: 'Evening classes',
      contactName: 'Rita River',
      contactEmail: 'rita@riverside.example',
      language: 'EN_us',
      country: 'gb',
      maxCoursesPerDay: 2,
    });
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({
      name: 'Riverside College',
      url: 'https://riverside.example/moodle',
      description: 'Evening classes',
      contactName: 'Rita River',
      contactEmail: 'rita@riverside.example',
      language: 'en_us',
      country: 'GB',
      maxCoursesPerDay: 2,
      effectiveMaxCoursesPerDay: 2,
    });
    const clash = await admin.patch(`/api/hub/sites/${id}`, { url: 'https://academy.northwind.example/' });
    expect([clash.status, errorOf(clash).fields?.url]).toEqual([409, 'Another registered site has this URL']);
    for (const [body, field] of [
      [{ contactEmail: 'nope' }, 'contactEmail'],
      [{ url: 'ftp://riverside.example' }, 'url'],
      [{ country: 'GBR' }, 'country'],
      [{ maxCoursesPerDay: 1.5 }, 'maxCoursesPerDay'],
      [{ trusted: true }, 'trusted'],
    ] as const) {
      const bad = await admin.patch(`/api/hub/sites/${id}`, body);
      expect(bad.status, JSON.stringify(body)).toBe(400);
      expect(errorOf(bad).fields).toHaveProperty(field);
    }
    const back = await admin.patch(`/api/hub/sites/${id}`, { maxCoursesPerDay: null });
    expect(back.body).toMatchObject({ maxCoursesPerDay: null, effectiveMaxCoursesPerDay: 20 });
    expect((await site('Riverside College'))?.url).toBe('https://riverside.example/moodle');
  });

  it('delete without its courses: the courses stay (without a site), the contact gets a message', async () => {
    const id = await siteId('Escuela Abierta');
    const res = await admin.delete(`/api/hub/sites/${id}`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ coursesDeleted: 0, coursesKept: 1 });
    expect(res.body.message).toMatchObject({
      kind: 'siteremoved',
      siteId: id,
      siteName: 'Escuela Abierta',
      siteUrl: 'https://escuela-abierta.example.es',
      toName: 'Elena Abierta',
      toEmail: 'hub@escuela-abierta.example.es',
      subject: 'Your site "Escuela Abierta" was removed from the hub "Demo hub"',
    });
    expect(res.body.message.body).toContain('Dear Elena Abierta,');
    expect(res.body.message.body).toContain(
      '(https://escuela-abierta.example.es) has been removed from the hub "Demo hub"',
    );
    expect(res.body.message.body).toContain('The 1 course(s) it published on the hub were kept');
    expect(res.body.message.body).toContain('Hilda Hub <hilda@hub.example>, administrator of Demo hub');
    expect(await site('Escuela Abierta')).toBeUndefined();
    const kept = (await t.store.db.select().from(hubCourses).where(eq(hubCourses.shortname, 'LECT')).limit(1)).at(0);
    expect(kept?.siteId).toBeNull();
    const listed = await admin.get('/api/hub/courses?search=LECT');
    expect(listed.body.items[0]).toMatchObject({ shortname: 'LECT', site: null });
  });

  it('delete with its courses (?withCourses=1): a registered site loses its courses, user and token', async () => {
    const reg = await registerSite(
      t.deps,
      {
        name: 'Leaving',
        url: 'https://leaving.example',
        description: '',
        contactname: 'Lee Leaving',
        contactemail: 'lee@leaving.example',
        language: 'en',
        countrycode: 'NZ',
        courses: 3,
        users: 10,
      },
      '',
      SYSTEM_ACTOR,
    );
    const row = (await t.store.db.select().from(hubSites).where(eq(hubSites.id, reg.siteid)).limit(1)).at(0)!;
    await t.store.db.insert(hubCourses).values(
      [1, 2].map((n) => ({
        siteId: row.id,
        siteCourseId: n,
        fullname: `Leaving ${n}`,
        shortname: `L${n}`,
        audience: 'students',
        educationalLevel: 'tertiary',
        timePublished: clock.t,
        timeModified: clock.t,
      })),
    );
    expect((await admin.get(`/api/hub/sites/${row.id}`)).body).toMatchObject({ protected: true, userId: row.userId });
    const res = await admin.delete(`/api/hub/sites/${row.id}?withCourses=1`);
    expect(res.status).toBe(200);
    expect(res.body).toMatchObject({ coursesDeleted: 2, coursesKept: 0 });
    expect(res.body.message.body).toContain('The 2 course(s) it published on the hub were removed too.');
    expect(await t.store.db.select().from(hubCourses).where(eq(hubCourses.siteId, row.id))).toEqual([]);
    expect((await t.store.db.select().from(hubCourses)).some((c) => c.shortname === 'L1')).toBe(false);
    const u = (await t.store.db.select().from(users).where(eq(users.id, row.userId!)).limit(1)).at(0);
    expect(u).toMatchObject({ deleted: true });
    expect(await t.store.db.select().from(externalTokens).where(eq(externalTokens.userId, row.userId!))).toEqual([]);
    expect((await admin.get(`/api/hub/sites/${row.id}`)).status).toBe(404);
    expect((await admin.delete(`/api/hub/sites/${row.id}`)).status).toBe(404);
    expect((await admin.delete(`/api/hub/sites/${await siteId('Lycée du Lac')}?withCourses=yes`)).status).toBe(400);
  });

  it('the outbox lists the messages, newest first, paged', async () => {
    const res = await admin.get('/api/hub/outbox');
    expect(res.status).toBe(200);
    expect(res.body.total).toBe(2);
    expect(res.body.items.map((m: { siteName: string }) => m.siteName)).toEqual(['Leaving', 'Escuela Abierta']);
    expect(res.body.items[0]).toMatchObject({
      toEmail: 'lee@leaving.example',
      subject: 'Your site "Leaving" was removed from the hub "Demo hub"',
    });
    expect((await admin.get('/api/hub/outbox?perPage=1&page=2')).body.items[0].siteName).toBe('Escuela Abierta');
    expect(await t.store.db.select().from(hubOutbox)).toHaveLength(2);
  });
});

describe('Manage courses', () => {
  let t: TestApp;
  let admin: Client;
  const courseId = async (shortname: string) =>
    (await t.store.db.select().from(hubCourses).where(eq(hubCourses.shortname, shortname)).limit(1)).at(0)
      ?.id as number;
  const course = async (shortname: string) =>
    (
      await t.store.db
        .select()
        .from(hubCourses)
        .where(eq(hubCourses.id, await courseId(shortname)))
        .limit(1)
    ).at(0);
  const list = async (q: string) => {
    const res = await admin.get(`/api/hub/courses?perPage=100&${q}`);
    expect(res.status, res.text).toBe(200);
    return (res.body.items as { shortname: string }[]).map((c) => c.shortname).sort();
  };

  beforeAll(async () => {
    ({ t, admin } = await hubApp());
  });
  afterAll(() => t?.close());

  it('lists every course, last modified first, with its site', async () => {
    const res = await admin.get('/api/hub/courses');
    expect(res.body.total).toBe(8);
    expect(res.body.items.map((c: { shortname: string }) => c.shortname)).toEqual([
      'SVT-T',
      'BOOK1',
      'ADMIN-AL',
      'MATH1',
      'ASSESS',
      'PC2',
      'OER101',
      'LECT',
    ]);
    expect(res.body.items.find((c: { shortname: string }) => c.shortname === 'OER101')).toMatchObject({
      fullname: 'Teaching with open educational resources',
      site: { name: 'Northwind Academy', url: 'https://academy.northwind.example', trusted: true, prioritised: true },
      siteCourseId: 11,
      language: 'en',
      subject: '070303',
      audience: 'educators',
      educationalLevel: 'tertiary',
      licence: 'cc-sa',
      enrollable: true,
      downloadable: false,
      courseUrl: 'https://academy.northwind.example/course/view.php?id=11',
      visible: true,
      timeModified: clock.t - 30 * DAY,
    });
  });

  it('filters by keywords, site, visibility, language, subject, audience, level, licence, kind and last modified', async () => {
    const lycee = (await t.store.db.select().from(hubSites).where(eq(hubSites.name, 'Lycée du Lac')).limit(1)).at(
      0,
    )!.id;
    expect(await list('search=assessment')).toEqual(['ASSESS']);
    expect(await list('search=open%20resources')).toEqual(['OER101']);
    expect(await list(`siteId=${lycee}`)).toEqual(['MATH1', 'PC2', 'SVT-T']);
    expect(await list('visibility=hidden')).toEqual(['ADMIN-AL', 'BOOK1', 'SVT-T']);
    expect(await list('visibility=visible')).toEqual(['ASSESS', 'LECT', 'MATH1', 'OER101', 'PC2']);
    expect(await list('language=fr')).toEqual(['MATH1', 'PC2', 'SVT-T']);
    expect(await list('subject=070303')).toEqual(['ASSESS', 'OER101']);
    expect(await list('audience=educators')).toEqual(['ASSESS', 'LECT', 'OER101']);
    expect(await list('educationalLevel=secondary')).toEqual(['MATH1', 'PC2', 'SVT-T']);
    expect(await list('licence=allrightsreserved')).toEqual(['BOOK1']);
    expect(await list('type=enrollable')).toEqual(['ADMIN-AL', 'MATH1', 'OER101']);
    expect(await list('type=downloadable')).toEqual(['ASSESS', 'BOOK1', 'LECT', 'PC2', 'SVT-T']);
    expect(await list(`modifiedFrom=${clock.t - 4 * DAY}`)).toEqual(['ADMIN-AL', 'BOOK1', 'SVT-T']);
    expect(await list(`modifiedTo=${clock.t - 25 * DAY}`)).toEqual(['LECT', 'OER101']);
    expect(await list(`modifiedFrom=${clock.t - 13 * DAY}&modifiedTo=${clock.t - 4 * DAY}`)).toEqual([
      'ASSESS',
      'MATH1',
    ]);
    expect(await list(`language=fr&visibility=visible&type=enrollable`)).toEqual(['MATH1']);
    for (const q of ['audience=parents', 'licence=gpl', 'type=both', 'visibility=some', 'sort=secret']) {
      expect((await admin.get(`/api/hub/courses?${q}`)).status, q).toBe(400);
    }
  });

  it('sorts and pages on the server, with the total', async () => {
    const res = await admin.get('/api/hub/courses?sort=fullname&dir=asc&perPage=3&page=3');
    expect(res.body).toMatchObject({ total: 8, page: 3, perPage: 3 });
    expect(res.body.items.map((c: { shortname: string }) => c.shortname)).toEqual(['ADMIN-AL', 'OER101']);
    const bySite = await admin.get('/api/hub/courses?sort=site&dir=asc&perPage=1');
    expect(bySite.body.items[0].site.name).toBe('Escuela Abierta');
    const oldest = await admin.get('/api/hub/courses?sort=timepublished&dir=asc&perPage=1');
    expect(oldest.body.items[0].shortname).toBe('LECT');
  });

  it('shows and hides a course (audited)', async () => {
    const id = await courseId('BOOK1');
    const res = await admin.post(`/api/hub/courses/${id}/show`);
    expect([res.status, res.body.visible]).toEqual([200, true]);
    expect((await admin.post(`/api/hub/courses/${id}/hide`)).body.visible).toBe(false);
    expect(
      (await t.store.db.select().from(auditLog).where(eq(auditLog.targetType, 'hubcourse'))).map((a) => a.action),
    ).toEqual(['hub.course.show', 'hub.course.hide']);
    expect((await admin.post(`/api/hub/courses/${id}/publish`)).status).toBe(400);
    expect((await admin.post('/api/hub/courses/99999/show')).status).toBe(404);
  });

  it('settings: every field of the form is saved; invalid values are refused by field', async () => {
    const id = await courseId('ADMIN-AL');
    const body = {
      fullname: 'Running Moodle for adults',
      description: 'Reviewed by the hub',
      language: 'en',
      publisherName: 'Riverside IT',
      publisherEmail: 'it@riverside-college.example',
      creatorName: 'Ray Rivers',
      licence: 'cc-by' as string,
      subject: '0613',
      audience: 'admins',
      educationalLevel: 'corporate',
      courseUrl: 'https://riverside.example/course/22',
      demoUrl: 'https://riverside.example/demo/22',
      creatorNotes: 'Checked for malicious content',
    };
    const bad = await admin.patch(`/api/hub/courses/${id}`, body);
    expect([bad.status, Object.keys(errorOf(bad).fields ?? {})]).toEqual([400, ['licence']]);
    body.licence = 'cc';
    const res = await admin.patch(`/api/hub/courses/${id}`, body);
    expect(res.status).toBe(200);
    const { licence, ...rest } = body;
    expect(res.body).toMatchObject({ ...rest, licence: 'cc' });
    expect(await course('ADMIN-AL')).toMatchObject({
      fullname: 'Running Moodle for adults',
      creatorNotes: 'Checked for malicious content',
    });
    const noUrl = await admin.patch(`/api/hub/courses/${id}`, { courseUrl: '' });
    expect([noUrl.status, errorOf(noUrl).fields?.courseUrl]).toEqual([
      400,
      'An enrollable course needs its course URL',
    ]);
    for (const [b, field] of [
      [{ audience: 'parents' }, 'audience'],
      [{ educationalLevel: 'kindergarten' }, 'educationalLevel'],
      [{ publisherEmail: 'x@' }, 'publisherEmail'],
      [{ demoUrl: 'javascript:alert(1)' }, 'demoUrl'],
      [{ fullname: '' }, 'fullname'],
      [{ visible: true }, 'visible'],
    ] as const) {
      const r = await admin.patch(`/api/hub/courses/${id}`, b);
      expect(r.status, JSON.stringify(b)).toBe(400);
      expect(errorOf(r).fields).toHaveProperty(field);
    }
    expect(await t.store.db.select().from(auditLog).where(eq(auditLog.action, 'hub.course.update'))).toHaveLength(1);
  });

  it('bulk actions: show, hide and delete selected courses, all or none', async () => {
    const ids = [await courseId('SVT-T'), await courseId('BOOK1')];
    let res = await admin.post('/api/hub/courses/bulk', { ids, action: 'show' });
    expect(res.body).toMatchObject({ changed: 2, action: 'show' });
    expect([(await course('SVT-T'))?.visible, (await course('BOOK1'))?.visible]).toEqual([true, true]);
    res = await admin.post('/api/hub/courses/bulk', { ids: [...ids, 99999], action: 'hide' });
    expect(res.status).toBe(404);
    expect([(await course('SVT-T'))?.visible, (await course('BOOK1'))?.visible]).toEqual([true, true]);
    res = await admin.post('/api/hub/courses/bulk', { ids, action: 'hide' });
    expect(res.body.changed).toBe(2);
    expect([(await course('SVT-T'))?.visible, (await course('BOOK1'))?.visible]).toEqual([false, false]);
    expect((await admin.post('/api/hub/courses/bulk', { ids: [], action: 'hide' })).status).toBe(400);
    expect((await admin.post('/api/hub/courses/bulk', { ids, action: 'publish' })).status).toBe(400);
    res = await admin.post('/api/hub/courses/bulk', { ids, action: 'delete' });
    expect(res.body.changed).toBe(2);
    expect([await course('SVT-T'), await course('BOOK1')]).toEqual([undefined, undefined]);
    expect((await admin.get('/api/hub/courses')).body.total).toBe(6);
  });

  it('deletes one course; then 404', async () => {
    const id = await courseId('PC2');
    expect((await admin.delete(`/api/hub/courses/${id}`)).status).toBe(200);
    expect(await course('PC2')).toBeUndefined();
    expect((await admin.delete(`/api/hub/courses/${id}`)).status).toBe(404);
    expect((await admin.get(`/api/hub/courses/${id}`)).status).toBe(404);
  });
});

describe("visitors' search", () => {
  let t: TestApp;
  let admin: Client;
  let visitor: Client;

  beforeAll(async () => {
    ({ t, admin } = await hubApp());
    visitor = t.client();
  });
  afterAll(() => t?.close());

  it('a public hub: no sign-in needed; visible courses of visible sites, prioritised sites first', async () => {
    const res = await visitor.get('/api/hub/search');
    expect(res.status).toBe(200);
    expect(res.body.hub).toEqual({ name: 'Demo hub', description: '', language: 'en' });
    expect(res.body.total).toBe(4);
    expect(res.body.items.map((c: { shortname: string }) => c.shortname)).toEqual(['ASSESS', 'OER101', 'MATH1', 'PC2']);
    expect(res.body.items[0].site).toEqual({
      name: 'Northwind Academy',
      url: 'https://academy.northwind.example',
      prioritised: true,
    });
    // Hidden courses (SVT-T, Riverside's) and the hidden site's course (LECT) are not found.
    expect(res.text).not.toMatch(/SVT-T|BOOK1|ADMIN-AL|LECT/);
    expect(res.text).not.toContain('publisherEmail');
  });

  it('searches keywords and pages', async () => {
    const res = await visitor.get('/api/hub/search?q=math');
    expect(res.body.items.map((c: { shortname: string }) => c.shortname)).toEqual(['MATH1']);
    const page = await visitor.get('/api/hub/search?perPage=1&page=2');
    expect([page.body.total, page.body.items[0].shortname]).toEqual([4, 'OER101']);
    expect((await visitor.get('/api/hub/search?perPage=500')).status).toBe(400);
  });

  it('a newly prioritised site comes first', async () => {
    const lycee = (await t.store.db.select().from(hubSites).where(eq(hubSites.name, 'Lycée du Lac')).limit(1)).at(
      0,
    )!.id;
    const northwind = (
      await t.store.db.select().from(hubSites).where(eq(hubSites.name, 'Northwind Academy')).limit(1)
    ).at(0)!.id;
    await admin.post(`/api/hub/sites/${northwind}/unprioritise`);
    await admin.post(`/api/hub/sites/${lycee}/prioritise`);
    const res = await visitor.get('/api/hub/search');
    expect(res.body.items.map((c: { shortname: string }) => c.shortname)).toEqual(['MATH1', 'PC2', 'ASSESS', 'OER101']);
  });

  it('publicsearch: searchable too', async () => {
    await admin.patch('/api/hub/settings', { privacy: 'publicsearch' });
    expect((await visitor.get('/api/hub/search')).status).toBe(200);
  });

  it('a private hub: 404 with a clear message', async () => {
    const res = await admin.patch('/api/hub/settings', { privacy: 'private', password: 'Hub-pass-1' });
    expect(res.status).toBe(200);
    const s = await visitor.get('/api/hub/search?q=math');
    expect([s.status, errorOf(s).code, errorOf(s).message]).toEqual([
      404,
      'hubnotpublic',
      'This hub is private: its courses cannot be searched here',
    ]);
    // Even an administrator's session sees the same: it is the visitors' page.
    expect((await admin.get('/api/hub/search')).status).toBe(404);
  });

  it('a disabled hub: 404', async () => {
    await admin.patch('/api/hub/settings', { privacy: 'public', enabled: false });
    const s = await visitor.get('/api/hub/search');
    expect([s.status, errorOf(s).message]).toEqual([404, 'There is no hub on this site (the hub is not enabled)']);
  });
});

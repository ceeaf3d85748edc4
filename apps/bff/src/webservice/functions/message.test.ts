import { eq } from 'drizzle-orm';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { messages, users } from '../../db/schema';
import {
  type CatalogueTest,
  callError,
  callFunction,
  DAY,
  makeCatalogueTest,
  NOW,
  setRoleCapability,
} from './test-helpers';

let t: CatalogueTest;
beforeAll(async () => {
  t = await makeCatalogueTest();
  // Moodle gives every authenticated user moodle/site:sendmessage; here the student role holds it
  // explicitly, so that these tests do not depend on the default role definitions.
  await setRoleCapability(t.deps, 'student', 'moodle/site:sendmessage', 'allow');
});
afterAll(() => t.close());

describe('core_message_send_instant_messages', () => {
  it('sends messages and reports failures per message', async () => {
    await t.deps.store.db.update(users).set({ deleted: true }).where(eq(users.username, 'nologin'));
    const out = await callFunction(t.deps, 'core_message_send_instant_messages', 'student', {
      messages: [
        { touserid: t.ids.teacher, text: 'Is the lab open on Friday?', clientmsgid: 'c-1' },
        { touserid: 99_999, text: 'Hello?', clientmsgid: 'c-2' },
        { touserid: t.ids.nologin, text: 'Hello?' },
        { touserid: t.ids.student2, text: '<b>See you</b>', textformat: 1 },
      ],
    });
    // Moodle 4.x's answer: a sent message with its text (formatted), time, sender and conversation
    // (null: no conversation record); candeletemessagesforallusers always written (its default).
    const sent = {
      timecreated: NOW,
      conversationid: null,
      useridfrom: t.ids.student,
      candeletemessagesforallusers: false,
    };
    expect(out).toEqual([
      { msgid: expect.any(Number), clientmsgid: 'c-1', text: 'Is the lab open on Friday?', ...sent },
      {
        msgid: -1,
        clientmsgid: 'c-2',
        errormessage: 'There is no user with the id 99999',
        candeletemessagesforallusers: false,
      },
      {
        msgid: -1,
        errormessage: `There is no user with the id ${t.ids.nologin}`,
        candeletemessagesforallusers: false,
      },
      { msgid: expect.any(Number), text: '<b>See you</b>', ...sent },
    ]);
    expect(Object.keys(out[0])).toEqual([
      'msgid',
      'clientmsgid',
      'text',
      'timecreated',
      'conversationid',
      'useridfrom',
      'candeletemessagesforallusers',
    ]);
    const stored = (await t.deps.store.db.select().from(messages).where(eq(messages.id, out[0].msgid)).limit(1)).at(0);
    expect(stored).toMatchObject({
      userIdFrom: t.ids.student,
      userIdTo: t.ids.teacher,
      text: 'Is the lab open on Friday?',
      textformat: 0,
      clientMsgId: 'c-1',
      timecreated: NOW,
      timeread: null,
    });
  });

  it('refuses a caller without moodle/site:sendmessage', async () => {
    const before = (await t.deps.store.db.select().from(messages)).length;
    // The guest role holds nothing; a prohibit on the student role wins over any allow.
    const e = await callError(t.deps, 'core_message_send_instant_messages', 'guest', {
      messages: [{ touserid: t.ids.student, text: 'hi' }],
    });
    expect(e).toMatchObject({
      exception: 'required_capability_exception',
      errorcode: 'nopermissions',
      debuginfo: 'moodle/site:sendmessage',
    });
    await setRoleCapability(t.deps, 'student', 'moodle/site:sendmessage', 'prohibit');
    try {
      const e2 = await callError(t.deps, 'core_message_send_instant_messages', 'student', {
        messages: [{ touserid: t.ids.teacher, text: 'hi' }],
      });
      expect(e2.errorcode).toBe('nopermissions');
    } finally {
      await setRoleCapability(t.deps, 'student', 'moodle/site:sendmessage', 'allow');
    }
    expect(await t.deps.store.db.select().from(messages)).toHaveLength(before);
  });

  it('rejects an empty message and an unknown format per message', async () => {
    const out = await callFunction(t.deps, 'core_message_send_instant_messages', 'student', {
      messages: [
        { touserid: t.ids.teacher, text: '   ' },
        { touserid: t.ids.teacher, text: 'x', textformat: 7 },
      ],
    });
    expect(out).toEqual([
      { msgid: -1, errormessage: 'The message is empty', candeletemessagesforallusers: false },
      { msgid: -1, errormessage: 'Format not supported: 7', candeletemessagesforallusers: false },
    ]);
  });
});

describe('core_message_get_messages', () => {
  it("returns the caller's read messages, newest first, with names", async () => {
    const out = await callFunction(t.deps, 'core_message_get_messages', 'student', { useridto: t.ids.student });
    expect(out.warnings).toEqual([]);
    expect(out.messages).toHaveLength(1);
    expect(out.messages[0]).toEqual({
      id: expect.any(Number),
      useridfrom: t.ids.teacher,
      useridto: t.ids.student,
      subject: 'New message from Terry Teacher',
      text: 'Welcome to Introduction to Programming! Let me know if you have questions.',
      fullmessage: 'Welcome to Introduction to Programming! Let me know if you have questions.',
      fullmessageformat: 0,
      fullmessagehtml: 'Welcome to Introduction to Programming! Let me know if you have questions.',
      smallmessage: 'Welcome to Introduction to Programming! Let me know if you have questions.',
      notification: 0,
      contexturl: '',
      contexturlname: '',
      timecreated: NOW - 5 * DAY,
      timeread: NOW - 4 * DAY,
      usertofullname: 'Sam Student',
      userfromfullname: 'Terry Teacher',
    });
  });

  it('returns unread messages, filtered by sender, ordered and paged', async () => {
    const unread = await callFunction(t.deps, 'core_message_get_messages', 'student', {
      useridto: t.ids.student,
      read: 0,
    });
    expect(unread.messages.map((m: { smallmessage: string }) => m.smallmessage)).toEqual([
      'Shall we work on the project together?',
      'Exercise 1 is due next Friday.',
    ]);
    // Moodle writes 0 for a message not read yet.
    expect(unread.messages[0]?.timeread).toBe(0);
    const oldest = await callFunction(t.deps, 'core_message_get_messages', 'student', {
      useridto: t.ids.student,
      read: false,
      newestfirst: false,
      limitnum: 1,
    });
    expect(oldest.messages.map((m: { smallmessage: string }) => m.smallmessage)).toEqual([
      'Exercise 1 is due next Friday.',
    ]);
    const second = await callFunction(t.deps, 'core_message_get_messages', 'student', {
      useridto: t.ids.student,
      read: false,
      limitfrom: 1,
    });
    expect(second.messages.map((m: { smallmessage: string }) => m.smallmessage)).toEqual([
      'Exercise 1 is due next Friday.',
    ]);
    const fromTeacher = await callFunction(t.deps, 'core_message_get_messages', 'student', {
      useridto: t.ids.student,
      useridfrom: t.ids.teacher,
      read: false,
    });
    expect(fromTeacher.messages).toHaveLength(1);
    const sent = await callFunction(t.deps, 'core_message_get_messages', 'student', {
      useridto: 0,
      useridfrom: t.ids.student,
    });
    expect(sent.messages.map((m: { useridto: number }) => m.useridto)).toEqual([t.ids.teacher]);
  });

  it('formats plain-text messages as HTML', async () => {
    await t.deps.store.db.insert(messages).values({
      userIdFrom: t.ids.teacher as number,
      userIdTo: t.ids.student2 as number,
      text: 'a < b\nc',
      textformat: 0,
      timecreated: NOW,
      timeread: NOW,
    });
    const out = await callFunction(t.deps, 'core_message_get_messages', 'student2', {
      useridto: t.ids.student2,
      useridfrom: t.ids.teacher,
    });
    expect(out.messages[0]).toMatchObject({ text: 'a &lt; b<br />\nc', fullmessage: 'a < b\nc' });
  });

  it('returns no notifications (Gatehouse stores conversations only)', async () => {
    const out = await callFunction(t.deps, 'core_message_get_messages', 'student', {
      useridto: t.ids.student,
      type: 'notifications',
    });
    expect(out).toEqual({ messages: [], warnings: [] });
  });

  it("refuses someone else's messages unless the caller is a site administrator", async () => {
    const e = await callError(t.deps, 'core_message_get_messages', 'student', { useridto: t.ids.teacher });
    expect(e).toMatchObject({ exception: 'moodle_exception', errorcode: 'accessdenied' });
    const e2 = await callError(t.deps, 'core_message_get_messages', 'student', { useridto: 0 });
    expect(e2.errorcode).toBe('accessdenied');
    const all = await callFunction(t.deps, 'core_message_get_messages', 'admin', {
      useridto: t.ids.teacher,
      read: true,
    });
    expect(all.messages.map((m: { userfromfullname: string }) => m.userfromfullname)).toEqual([
      'Maria Manager',
      'Sam Student',
    ]);
  });

  it('rejects an unknown type and unknown users', async () => {
    const e = await callError(t.deps, 'core_message_get_messages', 'student', {
      useridto: t.ids.student,
      type: 'email',
    });
    expect(e).toMatchObject({ exception: 'invalid_parameter_exception' });
    expect(e.debuginfo).toContain('invalid type email');
    const e2 = await callError(t.deps, 'core_message_get_messages', 'admin', { useridto: 99_999 });
    expect(e2.exception).toBe('dml_missing_record_exception');
    const e3 = await callError(t.deps, 'core_message_get_messages', 'student', {
      useridto: t.ids.student,
      useridfrom: 99_999,
    });
    expect(e3.errorcode).toBe('invaliduser');
  });
});

import { multiple, single, value } from '@gatehouse/shared';
import { and, asc, desc, eq, inArray, isNotNull, isNull, type SQL } from 'drizzle-orm';
import { alias } from 'drizzle-orm/sqlite-core';
import { messages, users } from '../../db/schema';
import { invalidParameter, moodleError } from '../exceptions';
import { always, defineFunction } from '../types';
import { formatText, fullname, requireUser, TEXT_FORMATS } from './common';

const sendInstantMessages = defineFunction({
  name: 'core_message_send_instant_messages',
  component: 'core_message',
  description:
    'Send instant messages. Each message succeeds or fails on its own: a failed one has msgid -1 and an error message (e.g. an unknown or deleted recipient).',
  type: 'write',
  capabilities: [always('moodle/site:sendmessage', 'Send messages to any user')],
  example: { messages: [{ touserid: 5, text: 'Hello from the API documentation' }] },
  services: ['moodle_mobile_app'],
  parameters: single({
    messages: multiple(
      single({
        touserid: value('int', 'id of the user to send the private message'),
        text: value('raw', 'the text of the message'),
        textformat: value('int', 'text format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)', { default: 0 }),
        clientmsgid: value(
          'alphanumext',
          'your own client id for the message. If this id is provided, the fail message id will be returned to you',
          {
            optional: true,
          },
        ),
      }),
    ),
  }),
  returns: multiple(
    single({
      msgid: value(
        'int',
        'test this to know if it succeeds:  id of the created message if it succeeded, -1 when failed',
      ),
      clientmsgid: value('alphanumext', 'your own id for the message', { optional: true }),
      errormessage: value('text', 'error message - if it failed', { optional: true }),
    }),
  ),
  execute(ctx, { messages: list }) {
    const db = ctx.deps.store.db;
    const ids = [...new Set(list.map((m) => m.touserid))];
    const recipients = new Set(
      ids.length
        ? db
            .select({ id: users.id })
            .from(users)
            .where(and(inArray(users.id, ids), eq(users.deleted, false), eq(users.isGuest, false)))
            .all()
            .map((r) => r.id)
        : [],
    );
    return list.map((m) => {
      const result: { msgid: number; clientmsgid?: string; errormessage?: string } = { msgid: -1 };
      if (m.clientmsgid !== undefined) result.clientmsgid = m.clientmsgid;
      let error: string | undefined;
      if (!recipients.has(m.touserid)) error = `There is no user with the id ${m.touserid}`;
      else if (!m.text.trim()) error = 'The message is empty';
      else if (!(TEXT_FORMATS as readonly number[]).includes(m.textformat))
        error = `Format not supported: ${m.textformat}`;
      if (error) return { ...result, errormessage: error };
      const row = db
        .insert(messages)
        .values({
          userIdFrom: ctx.user.id,
          userIdTo: m.touserid,
          text: m.text,
          textformat: m.textformat,
          clientMsgId: m.clientmsgid ?? null,
          timecreated: ctx.now,
        })
        .returning({ id: messages.id })
        .get();
      return { ...result, msgid: row.id };
    });
  },
});

const TYPES = ['notifications', 'conversations', 'both'] as const;

const getMessages = defineFunction({
  name: 'core_message_get_messages',
  component: 'core_message',
  description:
    'Retrieve a list of messages sent and received by a user (conversations, notifications or both). Only your own messages, unless you are a site administrator.',
  type: 'read',
  capabilities: [],
  example: { useridto: 2, read: false },
  services: ['moodle_mobile_app'],
  parameters: single({
    useridto: value('int', 'the user id who received the message, 0 for any user'),
    useridfrom: value(
      'int',
      'the user id who send the message, 0 for any user. -10 or -20 for no-reply or support user',
      {
        default: 0,
      },
    ),
    type: value('alpha', 'type of message to return, expected values are: notifications, conversations and both', {
      default: 'both',
    }),
    read: value('bool', 'true for getting read messages, false for unread', { default: true }),
    newestfirst: value('bool', 'true for ordering by newest first, false for oldest first', { default: true }),
    limitfrom: value('int', 'limit from', { default: 0 }),
    limitnum: value('int', 'limit number', { default: 0 }),
  }),
  returns: single({
    messages: multiple(
      single({
        id: value('int', 'Message id'),
        useridfrom: value('int', 'User from id'),
        useridto: value('int', 'User to id'),
        subject: value('raw', 'The message subject'),
        text: value('raw', 'The message text formated'),
        fullmessage: value('raw', 'The message'),
        fullmessageformat: value('int', 'fullmessage format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)'),
        fullmessagehtml: value('raw', 'The message in html'),
        smallmessage: value('raw', 'The shorten message'),
        notification: value('int', 'Is a notification?'),
        contexturl: value('text', 'Context URL'),
        contexturlname: value('text', 'Context URL link name'),
        timecreated: value('int', 'Time created'),
        timeread: value('int', 'Time read', { optional: true }),
        usertofullname: value('raw', 'User to full name'),
        userfromfullname: value('raw', 'User from full name'),
      }),
      'message',
    ),
    warnings: multiple(
      single({
        item: value('text', 'item', { optional: true }),
        itemid: value('int', 'item id', { optional: true }),
        warningcode: value(
          'alphanum',
          'the warning code can be used by the client app to implement specific behaviour',
        ),
        message: value('text', 'untranslated english message to explain the warning'),
      }),
      'list of warnings',
      { optional: true },
    ),
  }),
  execute(ctx, p) {
    if (!(TYPES as readonly string[]).includes(p.type)) {
      throw invalidParameter(`invalid type ${p.type} allowed values are ${TYPES.join(',')}`);
    }
    if (p.limitfrom < 0 || p.limitnum < 0) throw invalidParameter('limitfrom and limitnum cannot be negative');
    const db = ctx.deps.store.db;
    if (p.useridto !== 0) requireUser(db, p.useridto);
    if (p.useridfrom !== 0) {
      const exists = db.select({ id: users.id }).from(users).where(eq(users.id, p.useridfrom)).get();
      if (!exists) throw moodleError('invaliduser', `Invalid user: ${p.useridfrom}`);
    }
    // The caller must be the sender or the receiver, or a privileged user.
    if (p.useridto !== ctx.user.id && p.useridfrom !== ctx.user.id && !ctx.user.siteAdmin) {
      throw moodleError('accessdenied', 'Access denied', 'You can only read your own messages');
    }
    // Gatehouse has conversations only: no notifications are stored.
    if (p.type === 'notifications') return { messages: [], warnings: [] };
    const where: SQL[] = [p.read ? isNotNull(messages.timeread) : isNull(messages.timeread)];
    if (p.useridto !== 0) where.push(eq(messages.userIdTo, p.useridto));
    if (p.useridfrom !== 0) where.push(eq(messages.userIdFrom, p.useridfrom));
    const from = alias(users, 'ufrom');
    const to = alias(users, 'uto');
    const dir = p.newestfirst ? desc : asc;
    let q = db
      .select({
        m: messages,
        from: { firstname: from.firstname, lastname: from.lastname },
        to: { firstname: to.firstname, lastname: to.lastname },
      })
      .from(messages)
      .innerJoin(from, eq(from.id, messages.userIdFrom))
      .innerJoin(to, eq(to.id, messages.userIdTo))
      .where(and(...where))
      .orderBy(dir(messages.timecreated), dir(messages.id))
      .$dynamic();
    // SQLite needs a LIMIT before an OFFSET: "no limit" is the largest one.
    if (p.limitnum > 0 || p.limitfrom > 0) q = q.limit(p.limitnum > 0 ? p.limitnum : Number.MAX_SAFE_INTEGER);
    if (p.limitfrom > 0) q = q.offset(p.limitfrom);
    const rows = q.all();
    return {
      messages: rows.map(({ m, from: f, to: t }) => {
        const html = formatText(m.text, m.textformat);
        return {
          id: m.id,
          useridfrom: m.userIdFrom,
          useridto: m.userIdTo,
          subject: `New message from ${fullname(f)}`,
          text: html,
          fullmessage: m.text,
          fullmessageformat: m.textformat,
          fullmessagehtml: html,
          smallmessage: m.text,
          notification: 0,
          contexturl: '',
          contexturlname: '',
          timecreated: m.timecreated,
          ...(m.timeread !== null ? { timeread: m.timeread } : {}),
          usertofullname: fullname(t),
          userfromfullname: fullname(f),
        };
      }),
      warnings: [],
    };
  },
});

export const MESSAGE_FUNCTIONS = [sendInstantMessages, getMessages];

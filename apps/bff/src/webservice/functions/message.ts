import { multiple, single, value } from '@gatehouse/shared';
import { withWrite } from '../../db/write';
import { insertMessage, listMessages } from '../../features/messages/messages.repo';
import { activeUsersBy, findUser } from '../../features/users/users.repo';
import { invalidParameter, moodleError } from '../exceptions';
import { always, defineFunction } from '../types';
import { externalWarnings, formatText, fullname, requireUser, TEXT_FORMATS } from './common';

const sendInstantMessages = defineFunction({
  name: 'core_message_send_instant_messages',
  component: 'core_message',
  description:
    'Send instant messages. Each message succeeds or fails on its own: a failed one has msgid -1 and an error message (e.g. an unknown or deleted recipient). A sent message is answered with its formatted text, timecreated and useridfrom as Moodle does; conversationid is null, because Gatehouse keeps no conversation records (Moodle writes null when the record is missing). candeletemessagesforallusers is true for site administrators (moodle/site:deleteanymessage).',
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
      text: value('raw', 'The text of the message', { optional: true }),
      timecreated: value('int', 'The timecreated timestamp for the message', { optional: true }),
      conversationid: value('int', 'The conversation id for this message', { optional: true, allowNull: true }),
      useridfrom: value('int', 'The user id who sent the message', { optional: true }),
      candeletemessagesforallusers: value('bool', 'If the user can delete messages in the conversation for all users', {
        default: false,
      }),
    }),
  ),
  execute(ctx, { messages: list }) {
    if (!list.length) return [];
    const ids = [...new Set(list.map((m) => m.touserid))];
    // One write: the recipients are checked against the rows the messages are inserted with.
    return withWrite(ctx.deps, async (tx) => {
      const recipients = new Set(
        (await activeUsersBy(tx, { field: 'id', values: ids })).filter((u) => !u.isGuest).map((u) => u.id),
      );
      type Sent = {
        msgid: number;
        clientmsgid?: string;
        errormessage?: string;
        text?: string;
        timecreated?: number;
        conversationid?: number | null;
        useridfrom?: number;
        candeletemessagesforallusers: boolean;
      };
      const candelete = ctx.user.siteAdmin;
      const results: Sent[] = [];
      for (const m of list) {
        const result: Sent = { msgid: -1, candeletemessagesforallusers: candelete };
        if (m.clientmsgid !== undefined) result.clientmsgid = m.clientmsgid;
        let error: string | undefined;
        if (!recipients.has(m.touserid)) error = `There is no user with the id ${m.touserid}`;
        else if (!m.text.trim()) error = 'The message is empty';
        else if (!(TEXT_FORMATS as readonly number[]).includes(m.textformat))
          error = `Format not supported: ${m.textformat}`;
        if (error) {
          results.push({ ...result, errormessage: error });
          continue;
        }
        const msgid = await insertMessage(tx, {
          userIdFrom: ctx.user.id,
          userIdTo: m.touserid,
          text: m.text,
          textformat: m.textformat,
          clientMsgId: m.clientmsgid ?? null,
          timecreated: ctx.now,
        });
        results.push({
          ...result,
          msgid,
          text: formatText(m.text, m.textformat),
          timecreated: ctx.now,
          conversationid: null,
          useridfrom: ctx.user.id,
        });
      }
      return results;
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
        subject: value('text', 'The message subject'),
        text: value('raw', 'The message text formated'),
        fullmessage: value('raw', 'The message'),
        fullmessageformat: value('int', 'fullmessage format (1 = HTML, 0 = MOODLE, 2 = PLAIN or 4 = MARKDOWN)'),
        fullmessagehtml: value('raw', 'The message in html'),
        smallmessage: value('raw', 'The shorten message'),
        notification: value('int', 'Is a notification?'),
        contexturl: value('raw', 'Context URL'),
        contexturlname: value('text', 'Context URL link name'),
        timecreated: value('int', 'Time created'),
        timeread: value('int', 'Time read'),
        usertofullname: value('raw', 'User to full name'),
        userfromfullname: value('raw', 'User from full name'),
        component: value('text', 'The component that generated the notification', { optional: true }),
        eventtype: value('text', 'The type of notification', { optional: true }),
        customdata: value(
          'raw',
          'Custom data to be passed to the message processor.\n                                The data here is serialised using json_encode().',
          { optional: true },
        ),
        iconurl: value('url', 'URL for icon, only for notifications.', { optional: true }),
      }),
      'message',
    ),
    // external_warnings(): its message is PARAM_RAW.
    warnings: externalWarnings(),
  }),
  async execute(ctx, p) {
    if (!(TYPES as readonly string[]).includes(p.type)) {
      throw invalidParameter(`invalid type ${p.type} allowed values are ${TYPES.join(',')}`);
    }
    if (p.limitfrom < 0 || p.limitnum < 0) throw invalidParameter('limitfrom and limitnum cannot be negative');
    const db = ctx.deps.store.db;
    if (p.useridto !== 0) await requireUser(db, p.useridto);
    if (p.useridfrom !== 0 && !(await findUser(db, p.useridfrom))) {
      throw moodleError('invaliduser', `Invalid user: ${p.useridfrom}`);
    }
    // The caller must be the sender or the receiver, or a privileged user.
    if (p.useridto !== ctx.user.id && p.useridfrom !== ctx.user.id && !ctx.user.siteAdmin) {
      throw moodleError('accessdenied', 'Access denied', 'You can only read your own messages');
    }
    // Gatehouse has conversations only: no notifications are stored.
    if (p.type === 'notifications') return { messages: [], warnings: [] };
    const rows = await listMessages(db, {
      read: p.read,
      to: p.useridto !== 0 ? p.useridto : undefined,
      from: p.useridfrom !== 0 ? p.useridfrom : undefined,
      newestFirst: p.newestfirst,
      limit: p.limitnum,
      offset: p.limitfrom,
    });
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
          // Moodle writes 0 for a message not read yet.
          timeread: m.timeread ?? 0,
          usertofullname: fullname(t),
          userfromfullname: fullname(f),
        };
      }),
      warnings: [],
    };
  },
});

export const MESSAGE_FUNCTIONS = [sendInstantMessages, getMessages];

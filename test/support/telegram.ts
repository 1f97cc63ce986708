// Drive a grammY bot without Telegram: fixed botInfo, update builders, and a fetch that records
// every Bot API call (it also sees calls made inside conversations, unlike api transformers).
import type { Update, UserFromGetMe } from 'grammy/types';

export const BOT_TOKEN = '123456:TEST-token-for-the-recording-fetch';

export const botInfo: UserFromGetMe = {
  id: 123456,
  is_bot: true,
  first_name: 'Steller Test',
  username: 'steller_test_bot',
  can_join_groups: false,
  can_read_all_group_messages: false,
  supports_inline_queries: false,
  can_connect_to_business: false,
  has_main_web_app: false,
  has_topics_enabled: false,
  allows_users_to_create_topics: false,
} as UserFromGetMe;

export interface RecordedCall {
  method: string;
  payload: Record<string, unknown>;
}

export function recordingFetch() {
  const calls: RecordedCall[] = [];
  let messageId = 1000;
  const fetch = async (input: string | URL | Request, init?: RequestInit): Promise<Response> => {
    const url = typeof input === 'string' ? input : input instanceof URL ? input.href : input.url;
    const method = url.split('/').pop() ?? '';
    const body = init?.body;
    const payload = typeof body === 'string' ? (JSON.parse(body) as Record<string, unknown>) : {};
    calls.push({ method, payload });
    const rows = (payload.reply_markup as { inline_keyboard?: unknown[][] } | undefined)?.inline_keyboard;
    if (rows?.some((row) => row.length === 0)) throw new Error(`${method}: an inline keyboard with an empty row`);
    const result = resultOf(method, payload, () => (messageId += 1));
    return new Response(JSON.stringify({ ok: true, result }), { headers: { 'content-type': 'application/json' } });
  };
  return { fetch, calls };
}

/** A result shaped like the Bot API's for the method (a Message for sendX and editX, else true). */
function resultOf(method: string, payload: Record<string, unknown>, nextMessageId: () => number): unknown {
  const chat = { id: payload.chat_id, type: 'private', first_name: 'Test' };
  const message = { date: Math.floor(Date.now() / 1000), chat, from: { id: botInfo.id, is_bot: true, first_name: botInfo.first_name } };
  if (method.startsWith('send')) {
    const content =
      method === 'sendPhoto'
        ? { photo: [{ file_id: String(payload.photo), file_unique_id: 'u', width: 1, height: 1 }], caption: payload.caption }
        : { text: payload.text };
    return { ...message, message_id: nextMessageId(), ...content };
  }
  if (method === 'editMessageText') return { ...message, message_id: payload.message_id, text: payload.text };
  if (method === 'editMessageReplyMarkup' || method === 'editMessageCaption') return { ...message, message_id: payload.message_id, text: '' };
  return true;
}

let updateId = 1;

export function photoMessage(fromId: number, fileId: string, fileUniqueId = `${fileId}-unique`): Update {
  updateId += 1;
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: fromId, type: 'private', first_name: 'Test' },
      from: { id: fromId, is_bot: false, first_name: 'Test' },
      photo: [
        { file_id: `${fileId}-small`, file_unique_id: `${fileUniqueId}-small`, width: 90, height: 90 },
        { file_id: fileId, file_unique_id: fileUniqueId, width: 800, height: 800 },
      ],
    },
  };
}

export function textMessage(fromId: number, text: string, languageCode?: string): Update {
  updateId += 1;
  const entities = text.startsWith('/') ? [{ type: 'bot_command' as const, offset: 0, length: text.split(' ')[0]!.length }] : undefined;
  return {
    update_id: updateId,
    message: {
      message_id: updateId,
      date: Math.floor(Date.now() / 1000),
      chat: { id: fromId, type: 'private', first_name: 'Test' },
      from: { id: fromId, is_bot: false, first_name: 'Test', ...(languageCode ? { language_code: languageCode } : {}) },
      text,
      ...(entities ? { entities } : {}),
    },
  };
}

export function callbackQuery(fromId: number, data: string, messageId = 1): Update {
  updateId += 1;
  return {
    update_id: updateId,
    callback_query: {
      id: `cq-${updateId}`,
      chat_instance: 'test',
      from: { id: fromId, is_bot: false, first_name: 'Test' },
      data,
      message: {
        message_id: messageId,
        date: Math.floor(Date.now() / 1000),
        chat: { id: fromId, type: 'private', first_name: 'Test' },
        text: 'menu',
      },
    },
  };
}

/** A chat several people share (ids of groups are negative: never a user's id). */
export interface GroupChat {
  id: number;
  type: 'group' | 'supergroup';
  title: string;
}

let groupId = -100_000;
export const groupChat = (type: GroupChat['type'] = 'group'): GroupChat => ({ id: (groupId -= 1), type, title: `Team ${-groupId}` });

/** A text message someone writes in a chat that is not theirs alone (a group, or another's private chat). */
export function textMessageIn(chat: GroupChat | { id: number; type: 'private' }, fromId: number, text: string): Update {
  const update = textMessage(fromId, text);
  return { ...update, message: { ...update.message!, chat: chat.type === 'private' ? { ...chat, first_name: 'Test' } : chat } };
}

/** A button pressed by `fromId` on a message of another chat (a group, or another's private chat). */
export function callbackQueryIn(chat: GroupChat | { id: number; type: 'private' }, fromId: number, data: string, messageId = 1): Update {
  const update = callbackQuery(fromId, data, messageId);
  const query = update.callback_query!;
  return { ...update, callback_query: { ...query, message: { ...query.message!, chat: chat.type === 'private' ? { ...chat, first_name: 'Test' } : chat } } };
}

/** A post in a channel: no sender user, only the channel. */
export function channelPost(channelId: number, text: string): Update {
  updateId += 1;
  const chat = { id: channelId, type: 'channel' as const, title: 'Channel' };
  return { update_id: updateId, channel_post: { message_id: updateId, date: Math.floor(Date.now() / 1000), chat, sender_chat: chat, text } };
}

/** Texts sent with sendMessage / editMessageText, in order. */
export const sentTexts = (calls: RecordedCall[]) =>
  calls.filter((call) => call.method === 'sendMessage' || call.method === 'editMessageText').map((call) => String(call.payload.text));

export interface InlineButton {
  text: string;
  callback_data?: string;
  url?: string;
}

/** The inline buttons of the last call that had a keyboard. */
export function lastButtons(calls: RecordedCall[]): InlineButton[] {
  for (const call of [...calls].reverse()) {
    const markup = call.payload.reply_markup as { inline_keyboard?: InlineButton[][] } | undefined;
    if (markup?.inline_keyboard) return markup.inline_keyboard.flat();
  }
  return [];
}

/** The callback data of the last-shown button whose text contains `label`. */
export function buttonData(calls: RecordedCall[], label: string): string {
  const button = lastButtons(calls).find((candidate) => candidate.text.includes(label));
  if (!button?.callback_data) throw new Error(`no button "${label}" in ${JSON.stringify(lastButtons(calls).map((b) => b.text))}`);
  return button.callback_data;
}

/** The last text the user saw (sent or edited). */
export const lastText = (calls: RecordedCall[]) => sentTexts(calls).at(-1) ?? '';

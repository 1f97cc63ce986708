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
    const result = method.startsWith('send') ? { message_id: (messageId += 1), date: 0, chat: { id: payload.chat_id, type: 'private' } } : true;
    return new Response(JSON.stringify({ ok: true, result }), { headers: { 'content-type': 'application/json' } });
  };
  return { fetch, calls };
}

let updateId = 1;

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

/** Texts sent with sendMessage / editMessageText, in order. */
export const sentTexts = (calls: RecordedCall[]) =>
  calls.filter((call) => call.method === 'sendMessage' || call.method === 'editMessageText').map((call) => String(call.payload.text));

// Money, rights and card codes are handled in private chats only. In a group, supergroup or channel
// everyone in the chat sees the bot's questions and can answer them, so there nothing starts or
// continues: a button gets a short answer only its presser sees, and a message gets one line pointing
// to the private chat, at most once per chat per hour (the mark lives in the shared store, so
// several bot processes say it once between them). Channels get no answer: a post there would
// reach every subscriber.
import type { MiddlewareFn } from 'grammy';
import type { KeyValueStore } from '#src/shared-state/index.ts';
import type { BotContext } from '../context.ts';

const NOTICE_INTERVAL_MS = 60 * 60 * 1000;

export const groupNoticeKey = (chatId: number) => `bot:group-notice:${chatId}`;

export function privateChatsOnly(store: KeyValueStore): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const chat = ctx.chat;
    if (chat === undefined || chat.type === 'private') return next();
    const text = ctx.t('private-chat-only', { link: `https://t.me/${ctx.me.username}` });
    if (ctx.callbackQuery) {
      await ctx.answerCallbackQuery({ text });
      return;
    }
    if (chat.type === 'channel' || !ctx.message) return;
    if (await store.setIfAbsent(groupNoticeKey(chat.id), '1', NOTICE_INTERVAL_MS)) await ctx.reply(text);
  };
}

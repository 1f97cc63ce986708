// The Telegram bot. createBot builds it (no network); main.ts starts it (long polling with the
// runner, or webhooks through the API). The middleware order below is part of the contract:
//   1. deps            AppContext + restart-safe store on every context
//   2. update logger   one child logger per update (update id on every line)
//   3. ordering        per-chat: runner's sequentialize (polling) or a shared lock (webhook)
//   4. i18n            locale from the user's choice, else Telegram's language code
//   5. conversations   only for updates with a chat (a chatless key would be shared by everyone)
//   6. features        commands, menus, flows
//   7. stale buttons   any callback nobody handled gets a clear "no longer valid"
import { autoRetry } from '@grammyjs/auto-retry';
import { conversations } from '@grammyjs/conversations';
import { run, sequentialize } from '@grammyjs/runner';
import { Bot } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { AppContext } from '#src/context.ts';
import type { KeyValueStore } from '#src/shared-state/index.ts';
import type { BotContext, ConvContext } from './context.ts';
import { basicsFeature } from './features/basics.ts';
import { createI18n } from './i18n.ts';
import { chatLock } from './middlewares/chat-lock.ts';
import { conversationAdapter, createBotStore } from './storage.ts';

/** Bump whenever a conversation's code changes: stored conversations of older code are dropped. */
export const CONVERSATIONS_VERSION = 1;

export interface BotOptions {
  token: string;
  apiRoot: string;
  /** 'webhook': several processes may handle one chat, so updates take a shared per-chat lock. */
  mode?: 'polling' | 'webhook';
  /** Given in tests so the bot never calls getMe. */
  botInfo?: UserFromGetMe;
  /** Given in tests to record outgoing Bot API calls. */
  fetch?: typeof fetch;
  /** Defaults to Redis, or PostgreSQL without Redis. */
  store?: KeyValueStore;
}

export function createBot(app: AppContext, options: BotOptions): Bot<BotContext> {
  const bot = new Bot<BotContext>(options.token, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    client: {
      apiRoot: options.apiRoot,
      ...(options.fetch ? { fetch: options.fetch as never } : {}),
    },
  });
  // Telegram's flood limits: wait out a 429's retry_after (bounded) instead of failing.
  bot.api.config.use(autoRetry({ maxRetryAttempts: 3, maxDelaySeconds: 30 }));
  const store = options.store ?? createBotStore(app);
  const i18n = createI18n();

  bot.use((ctx, next) => {
    ctx.deps = { app, store };
    return next();
  });

  bot.use(async (ctx, next) => {
    const log = app.logger.child({ updateId: ctx.update.update_id });
    const started = performance.now();
    await next();
    log.debug({ ms: Math.round(performance.now() - started) }, 'update handled');
  });

  bot.use(options.mode === 'webhook' ? chatLock(app.state.locks) : sequentialize((ctx: BotContext) => ctx.chatId?.toString()));
  bot.use(i18n);

  const withChat = bot.filter((ctx) => ctx.chat !== undefined);
  withChat.use(
    conversations<BotContext, ConvContext>({
      storage: { type: 'key', version: CONVERSATIONS_VERSION, prefix: 'bot:convo:', adapter: conversationAdapter(store) },
    }),
  );
  withChat.use(basicsFeature(i18n.locales));

  bot.on('callback_query', (ctx) => ctx.answerCallbackQuery({ text: ctx.t('button-stale'), show_alert: true }));

  bot.catch(async (error) => {
    app.logger.error({ err: error.error, updateId: error.ctx.update.update_id }, 'bot update failed');
    await error.ctx.reply(error.ctx.t('error-generic')).catch(() => undefined);
  });
  return bot;
}

/** Long polling with @grammyjs/runner (concurrent across chats, sequential within one). */
export function startPolling(bot: Bot<BotContext>): { stop(): Promise<void> } {
  const runner = run(bot, { runner: { fetch: { allowed_updates: ['message', 'callback_query'] } } });
  return {
    async stop() {
      if (runner.isRunning()) await runner.stop();
    },
  };
}

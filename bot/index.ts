// The Telegram bot. createBot builds it (no network); main.ts starts it (long polling with the
// runner, or webhooks through the API). The middleware order below is part of the contract:
//   1. update logger   one child logger per update (update id on every line)
//   2. ordering        per-chat: runner's sequentialize (polling) or a shared lock (webhook)
//   3. deps + user     AppContext, restart-safe store and the user's account (after the lock: fresh)
//   4. i18n            locale stored on the account, else Telegram's language code
//   5. private chats   in a group, supergroup or channel nothing below runs: one line pointing to
//                      the private chat (once per chat per hour), buttons answered "private only"
//   6. conversations   keyed by chat and user, so a flow only ever sees updates of the user who
//                      started it (chatless or userless updates have no key and start none)
//   7. basics          /start, /help, /cancel, /language: before the flows, so /cancel always wins
//   8. flows           the conversations (they see an update only when one is active)
//   9. features        menus and buttons, guarded by role (an agent's photo outside a flow: a top-up)
//  10. outside flows   a message nothing took, with no flow waiting: a useful answer and the menu
//  11. stale buttons   any callback nobody handled gets a clear "no longer valid"
import { autoRetry } from '@grammyjs/auto-retry';
import { conversations } from '@grammyjs/conversations';
import { run, sequentialize } from '@grammyjs/runner';
import { Bot, GrammyError, type BotError } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { AppContext } from '#src/context.ts';
import type { QueueContract } from '#src/shared/queue-contract.ts';
import type { KeyValueStore } from '#src/shared-state/index.ts';
import { isDependencyUnavailable } from '#src/shared/unavailable.ts';
import type { BotContext, ConvContext } from './context.ts';
import { basicsFeature, outsideFlowsFeature } from './features/basics.ts';
import { createI18n, DEFAULT_LOCALE, supportedLocale } from './i18n.ts';
import { FEATURES } from './features/index.ts';
import { errorText } from './helpers.ts';
import { chatLock } from './middlewares/chat-lock.ts';
import { privateChatsOnly } from './middlewares/private-chats.ts';
import { webFeature } from './features/web.ts';
import { loadUser } from './middlewares/user.ts';
import { conversationAdapter, createBotStore } from './storage.ts';

/** Bump whenever a conversation's code changes: stored conversations of older code are dropped. */
export const CONVERSATIONS_VERSION = 8;

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
  /** The queues the Operations screens show and retry (none when absent). */
  queues?: readonly QueueContract[];
}

/** The message for a failure nobody explains: a dependency that is briefly away, or anything else. */
const failureMessage = (error: unknown) => (isDependencyUnavailable(error) ? 'error-unavailable' : 'error-generic');

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

  const deps = { app, store, queues: options.queues ?? [] };

  bot.use(async (ctx, next) => {
    const log = app.logger.child({ updateId: ctx.update.update_id });
    const started = performance.now();
    await next();
    log.debug({ ms: Math.round(performance.now() - started) }, 'update handled');
  });

  // A failure before the user and the language are loaded (the chat lock and the account live in
  // Redis and PostgreSQL) is answered in the sender's Telegram language: never thrown to the caller.
  const early = bot.errorBoundary(async (error) => {
    const ctx = error.ctx;
    app.logger.error({ err: error.error, updateId: ctx.update.update_id }, 'bot update failed before the user was loaded');
    const locale = supportedLocale(i18n.locales, ctx.from?.language_code) ?? DEFAULT_LOCALE;
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
    await ctx.reply(i18n.t(locale, failureMessage(error.error))).catch(() => undefined);
  });
  early.use(options.mode === 'webhook' ? chatLock(app.state.locks) : sequentialize((ctx: BotContext) => ctx.chatId?.toString()));
  early.use(loadUser(deps, i18n.locales));
  early.use(i18n);

  // Errors end in one place: a refusal the user can act on (paused, insufficient funds, already
  // decided…) is answered; anything else is logged and gets the generic message. The boundary (not
  // only bot.catch) keeps webhook and handleUpdate callers from seeing a failure for these.
  const handleError = async (error: BotError<BotContext>) => {
    const ctx = error.ctx;
    const explained = errorText(ctx, error.error);
    if (explained) {
      // A button's query can be answered once: when it already was, the refusal becomes a message.
      const answered = ctx.callbackQuery
        ? await ctx.answerCallbackQuery({ text: explained, show_alert: true }).then(
            () => true,
            () => false,
          )
        : false;
      if (!answered) await ctx.reply(explained).catch(() => undefined);
      return;
    }
    // A double tap re-renders the same screen: Telegram refuses the identical edit, and that is fine.
    if (error.error instanceof GrammyError && /message is not modified/i.test(error.error.description)) {
      if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
      return;
    }
    app.logger.error({ err: error.error, updateId: ctx.update.update_id }, 'bot update failed');
    if (ctx.callbackQuery) await ctx.answerCallbackQuery().catch(() => undefined);
    await ctx.reply(ctx.t(failureMessage(error.error))).catch(() => undefined);
  };
  const guarded = early.errorBoundary(handleError);

  guarded.use(privateChatsOnly(store));
  const withChat = guarded.filter((ctx) => ctx.chat !== undefined && ctx.from !== undefined);
  withChat.use(
    conversations<BotContext, ConvContext>({
      storage: {
        type: 'key',
        version: CONVERSATIONS_VERSION,
        prefix: 'bot:convo:',
        // Chat and user: nobody else's message or button can answer a flow's question.
        getStorageKey: (ctx) => `${ctx.chat!.id}:${ctx.from!.id}`,
        adapter: conversationAdapter(store),
      },
      plugins: [loadUser(deps, i18n.locales), i18n],
    }),
  );
  withChat.use(basicsFeature(i18n.locales));
  withChat.use(webFeature());
  for (const feature of FEATURES) withChat.use(feature.flows());
  for (const feature of FEATURES) withChat.use(feature.handlers());
  withChat.use(outsideFlowsFeature());

  guarded.on('callback_query', (ctx) => ctx.answerCallbackQuery({ text: ctx.t('button-stale'), show_alert: true }));

  bot.catch(handleError);
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

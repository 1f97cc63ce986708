// The Telegram bot. createBot builds it (no network); main.ts starts it. Feature composers mount here
// as their issues land; the middleware order below is part of the contract.
import { Bot, type Context } from 'grammy';
import type { UserFromGetMe } from 'grammy/types';
import type { AppContext } from '#src/context.ts';

export interface BotOptions {
  token: string;
  apiRoot: string;
  /** Given in tests so the bot never calls getMe. */
  botInfo?: UserFromGetMe;
  /** Given in tests to record outgoing Bot API calls. */
  fetch?: typeof fetch;
}

export function createBot(ctx: AppContext, options: BotOptions): Bot<Context> {
  const bot = new Bot<Context>(options.token, {
    ...(options.botInfo ? { botInfo: options.botInfo } : {}),
    client: {
      apiRoot: options.apiRoot,
      ...(options.fetch ? { fetch: options.fetch as never } : {}),
    },
  });

  // 1. Update logging with an update id on every line.
  bot.use(async (botCtx, next) => {
    const log = ctx.logger.child({ updateId: botCtx.update.update_id });
    const started = performance.now();
    await next();
    log.debug({ ms: Math.round(performance.now() - started) }, 'update handled');
  });

  // 2. Commands. Accounts, menus and flows come with the money-core and bot issues.
  bot.command('start', (botCtx) =>
    botCtx.reply(
      'Welcome to Steller Agency. This bot is for invited agents and sub-agents: open the invite link you received to join.',
    ),
  );
  bot.command('help', (botCtx) => botCtx.reply('Steller Agency sells digital gift cards to invited agents. /start to begin.'));

  bot.catch((error) => {
    ctx.logger.error({ err: error.error, updateId: error.ctx.update.update_id }, 'bot update failed');
  });
  return bot;
}

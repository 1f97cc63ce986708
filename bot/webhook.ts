// Webhook mode: the API serves Telegram's updates at /telegram/webhook, checking the secret token.
import { webhookCallback, type Bot } from 'grammy';
import type { Context as HonoContext } from 'hono';
import type { BotContext } from './context.ts';

export const WEBHOOK_PATH = '/telegram/webhook';

export function telegramWebhookHandler(bot: Bot<BotContext>, secretToken: string): (c: HonoContext) => Promise<Response> {
  return webhookCallback(bot, 'hono', { secretToken, onTimeout: 'throw', timeoutMilliseconds: 9_000 });
}

/** Registers our URL with Telegram (called once by the bot role at start). */
export async function registerWebhook(bot: Bot<BotContext>, publicUrl: string, secretToken: string): Promise<string> {
  const url = new URL(WEBHOOK_PATH, publicUrl).toString();
  await bot.api.setWebhook(url, { secret_token: secretToken, allowed_updates: ['message', 'callback_query'], drop_pending_updates: false });
  return url;
}

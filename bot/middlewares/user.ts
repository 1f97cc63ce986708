// Puts the deps and the Telegram user's account on the context: once per update outside, and on
// each context inside conversations (they are separate objects there).
import type { MiddlewareFn } from 'grammy';
import { findTelegramUser } from '#src/domain/accounts/language.ts';
import type { BaseContext, BotDeps } from '../context.ts';

export function loadUser(deps: BotDeps): MiddlewareFn<BaseContext> {
  return async (ctx, next) => {
    ctx.deps = deps;
    ctx.user = ctx.from ? await findTelegramUser(deps.app.db, ctx.from.id) : undefined;
    await next();
  };
}

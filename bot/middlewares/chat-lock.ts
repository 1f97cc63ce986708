// With several bot processes behind one webhook, updates of one chat must still be handled one at a
// time (conversations replay from stored state). A short lock per chat in the shared state does it.
import type { MiddlewareFn } from 'grammy';
import type { LockManager } from '#src/shared-state/index.ts';
import type { BotContext } from '../context.ts';

const LOCK_TTL_MS = 30_000;
const WAIT_MS = 10_000;

export function chatLock(locks: LockManager): MiddlewareFn<BotContext> {
  return async (ctx, next) => {
    const chatId = ctx.chatId;
    if (chatId === undefined) return next();
    const key = `bot:chat:${chatId}`;
    const deadline = Date.now() + WAIT_MS;
    let lock = await locks.acquire(key, LOCK_TTL_MS);
    while (!lock) {
      // Throwing makes the webhook answer 500, and Telegram delivers the update again later.
      if (Date.now() > deadline) throw new Error(`chat ${chatId} stayed busy for ${WAIT_MS} ms`);
      await new Promise((resolve) => setTimeout(resolve, 25));
      lock = await locks.acquire(key, LOCK_TTL_MS);
    }
    try {
      await next();
    } finally {
      await lock.release();
    }
  };
}

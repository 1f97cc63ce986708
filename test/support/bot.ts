// A bot over a test AppContext with a recording fetch; a "restart" is a new bot on the same store.
import type { PgBoss } from 'pg-boss';
import { createBot } from '../../bot/index.ts';
import { QUEUES } from '../../src/jobs/queues.ts';
import { telegramSendQueue } from '../../src/notifications/telegram-queues.ts';
import type { TelegramMessage } from '../../src/notifications/telegram.ts';
import type { AppContext } from '../../src/context.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { addAdmin, createAccount, type Account } from '../../src/domain/accounts/accounts.ts';
import { createInvite } from '../../src/domain/accounts/invites.ts';
import { createPostgresKeyValueStore, type KeyValueStore } from '../../src/shared-state/index.ts';
import { contextOfBoss } from './context.ts';
import { deliverRecordedEvents } from './events.ts';
import { BOT_TOKEN, botInfo, recordingFetch } from './telegram.ts';

export function startTestBot(ctx: AppContext, store: KeyValueStore) {
  const recorder = recordingFetch();
  const bot = createBot(ctx, { token: BOT_TOKEN, apiRoot: 'https://api.telegram.org', botInfo, fetch: recorder.fetch, store, queues: QUEUES });
  return { bot, ...recorder };
}

/** Bot state in PostgreSQL, as in production without Redis: it outlives a bot instance. */
export const newStore = (ctx: AppContext): KeyValueStore => createPostgresKeyValueStore(ctx.db);

let telegramIds = 700_000;
export const nextTelegramId = () => (telegramIds += 1);

export async function makeAdmin(ctx: AppContext, telegramUserId = nextTelegramId()): Promise<{ account: Account; telegramUserId: number }> {
  const { account } = await addAdmin(ctx.db, platformActor('cli'), { telegramUserId: String(telegramUserId), currency: 'USD' });
  return { account, telegramUserId };
}

/** An invite token, as the deep link carries it. */
export async function inviteToken(ctx: AppContext, role: 'agent' | 'sub_agent', parent?: Account): Promise<string> {
  const actor = parent ? { accountId: parent.id, channel: 'telegram' as const } : platformActor('cli');
  const { token } = await createInvite(ctx.db, actor, { role, ...(parent ? {} : { currency: 'USD' }) });
  return token;
}

/** An account already bound to a Telegram user (as if it had redeemed an invite). */
export async function makeBotAccount(
  ctx: AppContext,
  role: 'agent' | 'sub_agent',
  options: { parent?: Account; currency?: string; name?: string } = {},
): Promise<{ account: Account; telegramUserId: number }> {
  const telegramUserId = nextTelegramId();
  const account = await createAccount(ctx.db, platformActor('cli'), {
    role,
    name: options.name ?? `${role} ${telegramUserId}`,
    parentId: options.parent?.id ?? null,
    ...(options.parent ? {} : { currency: options.currency ?? 'USD' }),
    telegramUserId: String(telegramUserId),
  });
  return { account, telegramUserId };
}

/**
 * Messages queued for a chat on telegram.send (what the notifier will deliver), oldest first, once
 * the domain events recorded so far were delivered to the sinks of the test's context (as the
 * domain.event worker does in a running system).
 */
export async function queuedMessages(boss: PgBoss, chatId: number): Promise<TelegramMessage[]> {
  const ctx = contextOfBoss(boss);
  if (ctx) await deliverRecordedEvents({ boss }, ctx);
  const jobs = await boss.findJobs<TelegramMessage>(telegramSendQueue.name, { data: { chatId: String(chatId) } });
  return jobs.sort((a, b) => a.createdOn.getTime() - b.createdOn.getTime()).map((job) => job.data);
}

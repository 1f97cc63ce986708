// Two context types (conversations v2): BotContext outside conversations, ConvContext inside.
// Both carry the deps and the user's account (loaded once per update, also inside conversations).
import type { ConversationFlavor } from '@grammyjs/conversations';
import type { I18nFlavor } from '@grammyjs/i18n';
import type { Context } from 'grammy';
import type { AppContext } from '#src/context.ts';
import type { Recipient } from '#src/notifications/notify.ts';
import type { KeyValueStore } from '#src/shared-state/index.ts';
import type { QueueContract } from '#src/shared/queue-contract.ts';

export interface BotDeps {
  app: AppContext;
  /** Restart-safe store for bot state (Redis, or PostgreSQL without Redis). */
  store: KeyValueStore;
  /** The queues the Operations screens show and retry (the root passes every bound queue). */
  queues: readonly QueueContract[];
}

/** The Telegram user's account and the bot language stored on it (the same shape notifications take). */
export type BotUser = Recipient;

export interface UserFlavor {
  deps: BotDeps;
  user: BotUser | undefined;
}

export type BaseContext = Context & I18nFlavor & UserFlavor;
export type BotContext = ConversationFlavor<BaseContext>;
export type ConvContext = BaseContext;

// Two context types (conversations v2): BotContext outside conversations, ConvContext inside.
import type { ConversationFlavor } from '@grammyjs/conversations';
import type { I18nFlavor } from '@grammyjs/i18n';
import type { Context } from 'grammy';
import type { AppContext } from '#src/context.ts';
import type { KeyValueStore } from '#src/shared-state/index.ts';

export interface BotDeps {
  app: AppContext;
  /** Restart-safe store for bot state (Redis, or PostgreSQL without Redis). */
  store: KeyValueStore;
}

export type BotContext = ConversationFlavor<Context & I18nFlavor & { deps: BotDeps }>;
export type ConvContext = Context & I18nFlavor;

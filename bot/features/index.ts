// The role features, each in two parts: its conversations (installed before every feature's
// handlers, so an active flow sees its updates first) and its menu and button handlers.
import type { Composer } from 'grammy';
import type { BotContext } from '../context.ts';
import { adminFeature } from './admin.ts';
import { cardListFeature } from './card-list.ts';
import { controlFeature } from './control.ts';
import { marginsFeature } from './margins.ts';
import { networkFeature } from './network.ts';
import { opsFeature } from './ops.ts';
import { ordersFeature } from './orders.ts';
import { pricePlansFeature } from './price-plans.ts';
import { signupsFeature } from './signups.ts';
import { topupFeature } from './topup.ts';
import { walletFeature } from './wallet.ts';

export interface Feature {
  flows(): Composer<BotContext>;
  handlers(): Composer<BotContext>;
}

export const FEATURES: readonly Feature[] = [
  walletFeature,
  ordersFeature,
  topupFeature,
  networkFeature,
  marginsFeature,
  adminFeature,
  cardListFeature,
  pricePlansFeature,
  signupsFeature,
  opsFeature,
  controlFeature,
];

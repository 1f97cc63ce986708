// The main menu of each role (inline keyboards). Each button's data is declared by its feature
// (`<feature>.callbacks.ts`, see docs/bot-flows.md); this file only lays the buttons out.
import { InlineKeyboard } from 'grammy';
import type { BaseContext, BotUser } from '../context.ts';
import { adminCallbacks } from './admin.callbacks.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { cardListCallbacks } from './card-list.callbacks.ts';
import { controlCallbacks } from './control.callbacks.ts';
import { networkCallbacks } from './network.callbacks.ts';
import { opsCallbacks } from './ops.callbacks.ts';
import { orderCallbacks } from './orders.callbacks.ts';
import { pricePlanCallbacks } from './price-plans.callbacks.ts';
import { signupCallbacks } from './signups.callbacks.ts';
import { topupCallbacks } from './topup.callbacks.ts';
import { walletCallbacks } from './wallet.callbacks.ts';

export function mainMenu(ctx: BaseContext, user: BotUser): { text: string; keyboard: InlineKeyboard } {
  const { account } = user;
  const keyboard = new InlineKeyboard();
  if (account.role === 'admin' && account.status === 'active') {
    keyboard.text(ctx.t('menu-pending-topups'), topupCallbacks.pending.build()).row();
    keyboard.text(ctx.t('menu-adjust'), adminCallbacks.adjust.build()).text(ctx.t('menu-invite-agent'), adminCallbacks.invite.build()).row();
    keyboard
      .text(ctx.t('menu-tree'), adminCallbacks.tree.build({ page: 0 }))
      .text(ctx.t('menu-audit'), adminCallbacks.audit.build())
      .row();
    keyboard.text(ctx.t('menu-close-month'), adminCallbacks.closeLastMonth.build()).text(ctx.t('menu-admins'), adminCallbacks.admins.build()).row();
    keyboard.text(ctx.t('menu-card-list'), cardListCallbacks.open.build()).text(ctx.t('menu-price-plans'), pricePlanCallbacks.list.build()).row();
    keyboard.text(ctx.t('menu-signups'), signupCallbacks.open.build()).text(ctx.t('ops-button'), opsCallbacks.home.build()).row();
    keyboard.text(ctx.t('menu-invites'), controlCallbacks.invites.build({ page: 0 }));
  } else if (account.role === 'admin') {
    // A demoted admin (paused) gets no admin buttons, only a way to reopen the menu once promoted again.
    keyboard.text(ctx.t('button-menu'), basicsCallbacks.home.build());
  } else if (account.role === 'agent') {
    keyboard.text(ctx.t('menu-order'), orderCallbacks.start.build()).text(ctx.t('menu-my-orders'), orderCallbacks.list.build()).row();
    // An agent of a partner is funded by its partner (over the API), so it has no top-up button.
    keyboard.text(ctx.t('menu-wallet'), walletCallbacks.home.build());
    if (account.parentId === null) keyboard.text(ctx.t('menu-topup'), topupCallbacks.start.build());
    keyboard.row();
    keyboard.text(ctx.t('menu-network'), networkCallbacks.list.build({ page: 0 })).text(ctx.t('menu-revenue-share'), networkCallbacks.revenueShare.build());
  } else if (account.role === 'sub_agent') {
    keyboard.text(ctx.t('menu-order'), orderCallbacks.start.build()).text(ctx.t('menu-my-orders'), orderCallbacks.list.build()).row();
    keyboard.text(ctx.t('menu-wallet'), walletCallbacks.home.build()).text(ctx.t('menu-ask-funds'), networkCallbacks.askFunds.build());
  }
  const greeting = ctx.t(`menu-title-${account.role.replace('_', '-')}`, { name: account.name });
  const text = account.status === 'paused' ? `${greeting}\n\n${ctx.t('menu-paused')}` : greeting;
  return { text, keyboard };
}

/** A one-button keyboard back to the main menu (under every screen). */
export const backHome = (ctx: BaseContext) => new InlineKeyboard().text(ctx.t('button-menu'), basicsCallbacks.home.build());

// The main menu of each role (inline keyboards). Callback data: `<area>:<action>[:<arg>…]`, see
// docs/bot-flows.md. Features register the handlers; this file only lays the buttons out.
import { InlineKeyboard } from 'grammy';
import type { BaseContext, BotUser } from '../context.ts';

export const HOME = 'm:home';

export function mainMenu(ctx: BaseContext, user: BotUser): { text: string; keyboard: InlineKeyboard } {
  const { account } = user;
  const keyboard = new InlineKeyboard();
  if (account.role === 'admin' && account.status === 'active') {
    keyboard.text(ctx.t('menu-pending-topups'), 'adm:topups').row();
    keyboard.text(ctx.t('menu-adjust'), 'adm:adjust').text(ctx.t('menu-invite-agent'), 'adm:invite').row();
    keyboard.text(ctx.t('menu-tree'), 'adm:tree:0').text(ctx.t('menu-audit'), 'adm:audit').row();
    keyboard.text(ctx.t('menu-close-month'), 'adm:close').text(ctx.t('menu-admins'), 'adm:admins').row();
    keyboard.text(ctx.t('menu-card-list'), 'adm:cards').text(ctx.t('menu-price-plans'), 'adm:plans').row();
    keyboard.text(ctx.t('menu-signups'), 'adm:signups').text(ctx.t('ops-button'), 'ops:home');
  } else if (account.role === 'admin') {
    // A demoted admin (paused) gets no admin buttons, only a way to reopen the menu once promoted again.
    keyboard.text(ctx.t('button-menu'), HOME);
  } else if (account.role === 'agent') {
    keyboard.text(ctx.t('menu-order'), 'o:new').text(ctx.t('menu-my-orders'), 'o:list').row();
    keyboard.text(ctx.t('menu-wallet'), 'w:home').text(ctx.t('menu-topup'), 'tu:new').row();
    keyboard.text(ctx.t('menu-network'), 'net:list:0').text(ctx.t('menu-revenue-share'), 'net:rs');
  } else if (account.role === 'sub_agent') {
    keyboard.text(ctx.t('menu-order'), 'o:new').text(ctx.t('menu-my-orders'), 'o:list').row();
    keyboard.text(ctx.t('menu-wallet'), 'w:home').text(ctx.t('menu-ask-funds'), 'fr:new');
  }
  const greeting = ctx.t(`menu-title-${account.role.replace('_', '-')}`, { name: account.name });
  const text = account.status === 'paused' ? `${greeting}\n\n${ctx.t('menu-paused')}` : greeting;
  return { text, keyboard };
}

/** A one-button keyboard back to the main menu (under every screen). */
export const backHome = (ctx: BaseContext) => new InlineKeyboard().text(ctx.t('button-menu'), HOME);

// Wallet (agent, sub-agent): balance, recent transactions (paginated by the ledger's cursor) and
// the monthly statement, and both as CSV documents (with an agent's sub-agents' orders). Everything
// is read from the ledger through the domain.
import { Composer, InlineKeyboard, InputFile } from 'grammy';
import { walletBalance } from '#src/domain/ledger/ledger.ts';
import { monthlyStatement, walletTransactions } from '#src/domain/ledger/statements.ts';
import { monthOf, parseMonth } from '#src/domain/month.ts';
import { statementCsv, subAgentOrdersCsv } from '#src/domain/reports/monthly-reports.ts';
import type { BotContext } from '../context.ts';
import { isRole, showMoney, telegramActor } from '../helpers.ts';
import { basicsCallbacks } from './basics.callbacks.ts';
import { walletCallbacks } from './wallet.callbacks.ts';
import type { Feature } from './index.ts';

const PAGE_SIZE = 10;

/** The month before `label` ("2026-01" → "2025-12"). */
function previousMonth(label: string): string {
  const start = parseMonth(label).start;
  return monthOf(new Date(start.getTime() - 1)).label;
}

function handlers(): Composer<BotContext> {
  const feature = new Composer<BotContext>();
  const wallet = feature.filter((ctx) => isRole(ctx, 'agent', 'sub_agent'));

  wallet.callbackQuery(walletCallbacks.home.pattern, async (ctx) => {
    const { account } = ctx.user!;
    const balance = await walletBalance(ctx.deps.app.db, account.id);
    const month = monthOf(new Date()).label;
    const keyboard = new InlineKeyboard()
      .text(ctx.t('wallet-transactions'), walletCallbacks.transactions.build())
      .text(ctx.t('wallet-statement'), walletCallbacks.statement.build({ month }))
      .row()
      .text(ctx.t('button-menu'), basicsCallbacks.home.build());
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(ctx.t('wallet-balance', { balance: showMoney(balance) }), { reply_markup: keyboard });
  });

  wallet.callbackQuery(walletCallbacks.transactions.pattern, async (ctx) => {
    const { account } = ctx.user!;
    const { cursor } = walletCallbacks.transactions.read(ctx.match);
    const page = await walletTransactions(ctx.deps.app.db, telegramActor(account), account.id, {
      limit: PAGE_SIZE,
      ...(cursor ? { cursor } : {}),
    });
    const lines = page.items.map((item) =>
      ctx.t('wallet-transaction-line', { date: item.at.toISOString().slice(0, 10), kind: item.kind, amount: showMoney(item.amount) }),
    );
    const keyboard = new InlineKeyboard();
    if (page.nextCursor) keyboard.text(ctx.t('button-older'), walletCallbacks.transactions.build({ cursor: page.nextCursor }));
    keyboard.text(ctx.t('button-back'), walletCallbacks.home.build());
    const title = ctx.t(cursor ? 'wallet-transactions-older' : 'wallet-transactions-title');
    const body = lines.length > 0 ? lines.join('\n') : ctx.t('wallet-transactions-none');
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(`${title}\n\n${body}`, { reply_markup: keyboard });
  });

  wallet.callbackQuery(walletCallbacks.statement.pattern, async (ctx) => {
    const { account } = ctx.user!;
    const { month } = walletCallbacks.statement.read(ctx.match);
    const statement = await monthlyStatement(ctx.deps.app.db, telegramActor(account), account.id, month);
    const keyboard = new InlineKeyboard().text(ctx.t('button-previous-month'), walletCallbacks.statement.build({ month: previousMonth(month) }));
    if (month < monthOf(new Date()).label)
      keyboard.text(ctx.t('button-next-month'), walletCallbacks.statement.build({ month: monthOf(parseMonth(month).end).label }));
    keyboard.row().text(ctx.t('wallet-statement-csv'), walletCallbacks.statementCsv.build({ month }));
    if (account.role === 'agent') keyboard.text(ctx.t('wallet-sub-agents-csv'), walletCallbacks.subAgentsCsv.build({ month }));
    keyboard.row().text(ctx.t('button-back'), walletCallbacks.home.build());
    await ctx.answerCallbackQuery();
    await ctx.editMessageText(
      ctx.t('wallet-statement-text', {
        month: statement.month,
        opening: showMoney(statement.opening),
        credits: showMoney(statement.credits),
        debits: showMoney(statement.debits),
        orders: showMoney(statement.orders),
        revenueShare: showMoney(statement.revenueShare),
        closing: showMoney(statement.closing),
      }),
      { reply_markup: keyboard },
    );
  });

  // Reports as files: the document is made on demand from the ledger and the orders (never stored).
  wallet.callbackQuery(walletCallbacks.statementCsv.pattern, async (ctx) => {
    const { account } = ctx.user!;
    const { month } = walletCallbacks.statementCsv.read(ctx.match);
    const document = await statementCsv(ctx.deps.app.db, telegramActor(account), account.id, month);
    await ctx.answerCallbackQuery();
    await ctx.replyWithDocument(new InputFile(Buffer.from(document.content), document.filename), { caption: ctx.t('report-statement-caption', { month }) });
  });

  wallet.callbackQuery(walletCallbacks.subAgentsCsv.pattern, async (ctx) => {
    const { month } = walletCallbacks.subAgentsCsv.read(ctx.match);
    const document = await subAgentOrdersCsv(ctx.deps.app.db, telegramActor(ctx.user!.account), month);
    await ctx.answerCallbackQuery();
    await ctx.replyWithDocument(new InputFile(Buffer.from(document.content), document.filename), { caption: ctx.t('report-sub-agents-caption', { month }) });
  });

  return feature;
}

export const walletFeature: Feature = { flows: () => new Composer<BotContext>(), handlers };

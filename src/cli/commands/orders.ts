import type { Command } from 'commander';
import { platformActor } from '../../domain/actor.ts';
import { findOrders, orderTimeline, refundOrder, resolveOrder, retryOrder, showOrder } from '../../domain/orders/operator.ts';
import { ordersNeedingAttention } from '../../ops/orders.ts';
import { formatMoney } from '../../shared/money.ts';
import { withVendorContext } from '../context.ts';
import { CliError, commandEnv, print } from '../output.ts';

const operator = platformActor('cli');

export function registerOrderCommands(program: Command): void {
  const order = program.command('order');

  order
    .command('show')
    .description('an order with its transitions')
    .requiredOption('--id <id>', 'order id or number (ST-000123)')
    .action(async (options: { id: string }, command: Command) => {
      const env = commandEnv(command);
      const details = await withVendorContext(env, (ctx) => showOrder(ctx.db, operator, options.id));
      const { order: o } = details;
      print(env.json, details, [
        `${o.number}  ${o.id}  ${o.status}`,
        `buyer ${o.buyerId} via ${o.channel}, reference ${o.clientReference}`,
        `product ${o.productId} × ${o.quantity} at ${formatMoney(o.face)}: ${formatMoney(o.total)} (${formatMoney(o.unitPrice)} each)`,
        `vendor request ${o.vendorRequestId ?? '-'}, cards delivered ${o.cardsDelivered ?? '-'}, stored ${details.cardsStored}`,
        ...details.transitions.map((transition) => `  ${transition.at.toISOString()}  ${transition.status}`),
      ]);
    });

  order
    .command('retry')
    .description('run the next step of an open order now (place, or poll the vendor)')
    .requiredOption('--id <id>', 'order id or number')
    .action(async (options: { id: string }, command: Command) => {
      const env = commandEnv(command);
      const outcome = await withVendorContext(env, async (ctx) => retryOrder(ctx, operator, (await showOrder(ctx.db, operator, options.id)).order.id));
      print(env.json, { outcome }, [outcome]);
    });

  order
    .command('refund')
    .description('refund (or cancel, if never sent) an open order that the vendor confirms failed or never received; audited with the reason')
    .requiredOption('--id <id>', 'order id or number')
    .requiredOption('--reason <text>', 'why (kept in the audit log)')
    .action(async (options: { id: string; reason: string }, command: Command) => {
      const env = commandEnv(command);
      const outcome = await withVendorContext(env, async (ctx) =>
        refundOrder(ctx, operator, (await showOrder(ctx.db, operator, options.id)).order.id, options.reason),
      );
      print(env.json, { outcome }, [outcome]);
    });

  order
    .command('find')
    .description('orders by number, id, partner reference, buyer id or buyer name, newest first')
    .argument('<text>')
    .action(async (text: string, _options: unknown, command: Command) => {
      const env = commandEnv(command);
      const found = await withVendorContext(env, (ctx) => findOrders(ctx.db, operator, text));
      print(
        env.json,
        found.map(({ order: o, buyerName }) => ({
          id: o.id,
          number: o.number,
          status: o.status,
          buyerId: o.buyerId,
          buyerName,
          reference: o.clientReference,
          total: o.total,
          createdAt: o.createdAt,
        })),
        found.length === 0
          ? ['no order found']
          : found.map(
              ({ order: o, buyerName }) =>
                `${o.number}  ${o.status}  ${formatMoney(o.total)}  ${buyerName}  ref ${o.clientReference}  ${o.createdAt.toISOString()}`,
            ),
      );
    });

  order
    .command('timeline')
    .description('what happened to an order: transitions, vendor ids and polls, money moved, events sent (webhooks, Telegram messages), operator actions')
    .requiredOption('--id <id>', 'order id or number (ST-000123)')
    .action(async (options: { id: string }, command: Command) => {
      const env = commandEnv(command);
      const timeline = await withVendorContext(env, (ctx) => orderTimeline(ctx.db, operator, options.id));
      const { order: o, vendor } = timeline;
      print(env.json, timeline, [
        `${o.number}  ${o.id}  ${o.status}  ${formatMoney(o.total)}  buyer ${timeline.buyer.name} (${timeline.buyer.role})`,
        `vendor request ${vendor.requestId ?? '-'}, vendor order ${vendor.orderId ?? '-'}, polls ${vendor.pollCount}`,
        ...timeline.transitions.map((transition) => `  ${transition.at.toISOString()}  ${transition.status}  ${JSON.stringify(transition.detail ?? {})}`),
        ...timeline.money.map((transfer) => `  ${transfer.at.toISOString()}  money: ${transfer.kind}`),
        ...timeline.webhookEvents.map((event) => `  ${event.createdAt.toISOString()}  webhook ${event.type}: ${event.status} (${event.attempts} attempts)`),
        ...timeline.telegramMessages.map(
          (message) =>
            `  ${message.queuedAt.toISOString()}  telegram ${message.kind}${message.cardIndex === null ? '' : ` #${message.cardIndex + 1}`}: ${message.status}${message.problem ? ` (${message.problem})` : ''}`,
        ),
        ...timeline.actions.map((action) => `  ${action.at.toISOString()}  ${action.action} via ${action.channel}  ${JSON.stringify(action.after)}`),
      ]);
    });

  order
    .command('attention')
    .description('orders needing attention (money held until resolved), oldest first')
    .option('--limit <n>', 'at most this many', '50')
    .action(async (options: { limit: string }, command: Command) => {
      const env = commandEnv(command);
      const limit = Number(options.limit);
      if (!Number.isInteger(limit) || limit < 1) throw new CliError('--limit takes a positive number');
      const view = await withVendorContext(env, (ctx) => ordersNeedingAttention(ctx.db, operator, { limit }));
      print(env.json, view, [
        `${view.count} order(s) need attention`,
        ...view.orders.map(
          (o) =>
            `${o.number}  ${formatMoney(o.total)} held  ${o.reason}${o.problem ? ` (${o.problem})` : ''}  since ${o.since.toISOString()}  buyer ${o.buyerId}`,
        ),
      ]);
    });

  order
    .command('resolve')
    .description('decide an order that needs attention, once (audited): the vendor has it (poll again) or lacks it (fail and refund)')
    .argument('<number>', 'order number (ST-000123) or id')
    .option('--vendor-has', 'Bamboo has the order: back to polling, the cards are delivered and settled normally')
    .option('--vendor-lacks', 'Bamboo does not have the order: fail it and refund the buyer')
    .requiredOption('--reason <text>', 'why (what Bamboo said; kept in the audit log)')
    .action(async (number: string, options: { vendorHas?: boolean; vendorLacks?: boolean; reason: string }, command: Command) => {
      const env = commandEnv(command);
      if (Boolean(options.vendorHas) === Boolean(options.vendorLacks)) throw new CliError('give exactly one of --vendor-has and --vendor-lacks');
      const decision = options.vendorHas ? 'vendor_has' : 'vendor_lacks';
      const status = await withVendorContext(env, async (ctx) =>
        resolveOrder(ctx, operator, (await showOrder(ctx.db, operator, number)).order.id, decision, options.reason),
      );
      print(env.json, { status }, [`${number}: ${status}`]);
    });
}

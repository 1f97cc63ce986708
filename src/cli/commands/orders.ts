import type { Command } from 'commander';
import { openDatabase } from '../../context.ts';
import { platformActor } from '../../domain/actor.ts';
import { refundOrder, retryOrder, showOrder } from '../../domain/orders/operator.ts';
import type { FulfilmentContext } from '../../domain/orders/fulfilment.ts';
import { createVendor, sandboxVendorOf } from '../../integrations/bamboo/index.ts';
import { createJobQueue, startBoss } from '../../jobs/boss.ts';
import { formatMoney } from '../../shared/money.ts';
import { createSharedState } from '../../shared-state/index.ts';
import { commandEnv, print, type CommandEnv } from '../output.ts';

async function withOrderContext<T>(env: CommandEnv, fn: (ctx: FulfilmentContext) => Promise<T>): Promise<T> {
  const connection = await openDatabase(env.config, env.logger);
  const state = createSharedState(env.config);
  const boss = await startBoss({ connectionString: connection.url, worker: false, logger: env.logger });
  try {
    return await fn({
      db: connection.db,
      jobs: createJobQueue(boss),
      config: env.config,
      vendor: createVendor(env.config, state, env.logger, { db: connection.db }),
      ...sandboxVendorOf(env.config, state, env.logger, { db: connection.db }),
      logger: env.logger,
    });
  } finally {
    await boss.stop({ graceful: false });
    await state.close();
    await connection.close();
  }
}

const operator = platformActor('cli');

export function registerOrderCommands(program: Command): void {
  const order = program.command('order').description('orders: inspect, push forward, refund (never shows card codes)');

  order
    .command('show')
    .description('an order with its transitions')
    .requiredOption('--id <id>', 'order id or number (ST-000123)')
    .action(async (options: { id: string }, command: Command) => {
      const env = commandEnv(command);
      const details = await withOrderContext(env, (ctx) => showOrder(ctx.db, operator, options.id));
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
      const outcome = await withOrderContext(env, async (ctx) => retryOrder(ctx, operator, (await showOrder(ctx.db, operator, options.id)).order.id));
      print(env.json, { outcome }, [outcome]);
    });

  order
    .command('refund')
    .description('refund an open order that the vendor confirms failed or never received')
    .requiredOption('--id <id>', 'order id or number')
    .action(async (options: { id: string }, command: Command) => {
      const env = commandEnv(command);
      const outcome = await withOrderContext(env, async (ctx) => refundOrder(ctx, operator, (await showOrder(ctx.db, operator, options.id)).order.id));
      print(env.json, { outcome }, [outcome]);
    });
}

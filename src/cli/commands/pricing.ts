import { Option, type Command } from 'commander';
import { z } from 'zod';
import { openDatabase } from '../../context.ts';
import type { Database } from '../../db/database.ts';
import { platformActor } from '../../domain/actor.ts';
import { accountRiskLimits, riskLimitsJson, setRiskLimits, type RiskLimitTarget } from '../../domain/orders/risk.ts';
import { readCardList, saveCardList, type CardListEntryInput } from '../../domain/pricing/card-list.ts';
import { setMarginBounds } from '../../domain/pricing/margins.ts';
import { assignPricePlan, createPricePlan, setProductDiscount } from '../../domain/pricing/pricing.ts';
import { formatMoney, parseMoney, type Money } from '../../shared/money.ts';
import { CliError, commandEnv, print, type CommandEnv } from '../output.ts';

const operator = platformActor('cli');
const ROLE_CHOICES = ['agent', 'sub_agent', 'partner'] as const;

async function withDatabase<T>(command: Command, run: (db: Database, env: CommandEnv) => Promise<T>): Promise<T> {
  const env = commandEnv(command);
  const connection = await openDatabase(env.config, env.logger);
  try {
    return await run(connection.db, env);
  } finally {
    await connection.close();
  }
}

const wholeNumber = (name: string, value: string) => {
  if (!/^-?\d+$/.test(value)) throw new CliError(`${name} takes a whole number`);
  return Number(value);
};

function target(options: { account?: string; role?: (typeof ROLE_CHOICES)[number] }): RiskLimitTarget {
  if (Boolean(options.account) === Boolean(options.role)) throw new CliError('name either --account or --role');
  return options.account ? { accountId: options.account } : { role: options.role as (typeof ROLE_CHOICES)[number] };
}

const cardListSchema = z.array(
  z.union([
    z.object({ productId: z.coerce.bigint(), denominations: z.array(z.coerce.bigint()).min(1) }).strict(),
    z.object({ productId: z.coerce.bigint(), range: z.object({ min: z.coerce.bigint(), max: z.coerce.bigint() }).strict() }).strict(),
  ]),
);

export function registerPricingCommands(program: Command): void {
  const plan = program.command('plan');
  plan
    .command('create')
    .requiredOption('--name <name>')
    .requiredOption('--discount-bps <n>', 'the plan default, e.g. 400 for 4 %')
    .action(async (options: { name: string; discountBps: string }, command: Command) => {
      const created = await withDatabase(command, (db) =>
        createPricePlan(db, operator, { name: options.name, defaultDiscountBps: wholeNumber('--discount-bps', options.discountBps) }),
      );
      print(commandEnv(command).json, created, [`${created.id}  ${created.name}  ${created.defaultDiscountBps} bps`]);
    });
  plan
    .command('discount')
    .description('the plan discount for one product (--clear: back to the plan default)')
    .requiredOption('--plan <id>')
    .requiredOption('--product <id>')
    .option('--bps <n>')
    .option('--clear')
    .action(async (options: { plan: string; product: string; bps?: string; clear?: boolean }, command: Command) => {
      if (Boolean(options.bps) === Boolean(options.clear)) throw new CliError('give either --bps or --clear');
      const discountBps = options.bps === undefined ? null : wholeNumber('--bps', options.bps);
      await withDatabase(command, (db) =>
        setProductDiscount(db, operator, { planId: options.plan, productId: BigInt(wholeNumber('--product', options.product)), discountBps }),
      );
      print(commandEnv(command).json, { planId: options.plan, productId: options.product, discountBps }, ['saved']);
    });
  plan
    .command('margin-bounds')
    .description("the bounds of the markups agents may set on their sub-agents' prices (basis points on the agent's price)")
    .requiredOption('--min-bps <n>', 'e.g. 0')
    .requiredOption('--max-bps <n>', 'e.g. 1000 for 10 %')
    .action(async (options: { minBps: string; maxBps: string }, command: Command) => {
      const bounds = { minBps: wholeNumber('--min-bps', options.minBps), maxBps: wholeNumber('--max-bps', options.maxBps) };
      const saved = await withDatabase(command, (db) => setMarginBounds(db, operator, bounds));
      print(commandEnv(command).json, saved, [`margins from ${saved.minBps} to ${saved.maxBps} bps`]);
    });
  plan
    .command('assign')
    .description("an account's own plan, or a role's default plan")
    .requiredOption('--plan <id>')
    .option('--account <id>')
    .addOption(new Option('--role <role>').choices(ROLE_CHOICES))
    .action(async (options: { plan: string; account?: string; role?: (typeof ROLE_CHOICES)[number] }, command: Command) => {
      await withDatabase(command, (db) => assignPricePlan(db, operator, target(options), options.plan));
      print(commandEnv(command).json, { planId: options.plan, ...target(options) }, ['assigned']);
    });

  const risk = program.command('risk');
  risk
    .command('set')
    .description('daily spend / order count / largest order limits of a role (default) or one account (override); omit a limit for none')
    .option('--account <id>')
    .addOption(new Option('--role <role>').choices(ROLE_CHOICES))
    .option('--daily-spend <amount>', 'e.g. 500.00, in the account currency (the settlement currency for a role)')
    .option('--daily-orders <n>')
    .option('--max-order <amount>', 'the largest single order, e.g. 200.00')
    .action(
      async (
        options: { account?: string; role?: (typeof ROLE_CHOICES)[number]; dailySpend?: string; dailyOrders?: string; maxOrder?: string },
        command: Command,
      ) => {
        const env = commandEnv(command);
        const amount = (value: string | undefined) => (value === undefined ? null : parseMoney(value, env.config.SETTLEMENT_CURRENCY).amount);
        const limits = {
          dailySpend: amount(options.dailySpend),
          dailyOrderCount: options.dailyOrders === undefined ? null : wholeNumber('--daily-orders', options.dailyOrders),
          maxOrder: amount(options.maxOrder),
        };
        await withDatabase(command, (db) => setRiskLimits(db, operator, target(options), limits));
        print(env.json, { ...target(options), ...limits }, ['saved']);
      },
    );
  risk
    .command('show')
    .description("one account's limits (its own or its role's) and today's use of them")
    .requiredOption('--account <id>')
    .action(async (options: { account: string }, command: Command) => {
      const view = await withDatabase(command, (db) => accountRiskLimits(db, operator, options.account));
      const shown = (value: Money | null) => (value === null ? 'none' : formatMoney(value));
      print(commandEnv(command).json, riskLimitsJson(view), [
        `${view.account.name} (${view.account.role}), limits from: ${view.source}`,
        `daily spend ${shown(view.dailySpend)} (today ${formatMoney(view.today.spent)})`,
        `daily orders ${view.dailyOrderCount ?? 'none'} (today ${view.today.orders})`,
        `largest order ${shown(view.maxOrder)}`,
      ]);
    });

  const cardList = program.command('card-list');
  cardList.command('show').action(async (_options: unknown, command: Command) => {
    const entries = await withDatabase(command, (db) => readCardList(db));
    print(
      commandEnv(command).json,
      entries,
      entries.map(
        (entry) =>
          `${entry.position}  product ${entry.productId}  ${'denominations' in entry ? entry.denominations.join(', ') : `${entry.range.min}–${entry.range.max}`}`,
      ),
    );
  });
  cardList
    .command('set')
    .description('replace the list, e.g. \'[{"productId":439685,"denominations":[1000]},{"productId":900101,"range":{"min":1000,"max":5000}}]\'')
    .requiredOption('--entries <json>')
    .action(async (options: { entries: string }, command: Command) => {
      let entries: CardListEntryInput[];
      try {
        entries = cardListSchema.parse(JSON.parse(options.entries));
      } catch {
        throw new CliError('--entries must be a JSON array of {productId, denominations} or {productId, range: {min, max}}');
      }
      const saved = await withDatabase(command, (db, env) => saveCardList(db, operator, entries, { maxEntries: env.config.CARD_LIST_MAX_ENTRIES }));
      print(commandEnv(command).json, saved, [`${saved.length} entries saved`]);
    });
}

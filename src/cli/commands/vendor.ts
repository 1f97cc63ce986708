// Operating the vendor from the command line (docs/orders.md, Vendor operations): the float, our
// completion callback at Bamboo, and the sales pauses (kill switches). Operators act as the platform;
// every change is audited and the admins are told through the outbox like any other.
import type { Command } from 'commander';
import { platformActor } from '../../domain/actor.ts';
import { floatViews, refreshVendorFloat, type FloatView } from '../../domain/vendor/float.ts';
import { registerVendorCallback, showVendorCallback } from '../../domain/vendor/notifications.ts';
import { listSalesPauses, pauseSales, resumeSales, type SalesPauseTarget } from '../../domain/vendor/sales-pauses.ts';
import { formatMoney } from '../../shared/money.ts';
import { withVendorContext } from '../context.ts';
import { CliError, commandEnv, print } from '../output.ts';

const operator = platformActor('cli');

export const floatLine = (view: FloatView) =>
  `float ${view.book} ${view.currency}: ${formatMoney(view.left)} left (balance ${formatMoney(view.balance)} at ${view.refreshedAt.toISOString()}, held ${formatMoney(view.held)}, bought since ${formatMoney(view.boughtSince)}; ${view.hoursLeft === null ? 'no sales in 24 h' : `about ${view.hoursLeft.toFixed(1)} h of recent sales`})`;

/** `--all`, `--product <id>` or `--brand <key>`: exactly one. */
function pauseTarget(options: { all?: boolean; product?: string; brand?: string }): SalesPauseTarget {
  const given = [options.all ? 'all' : undefined, options.product, options.brand].filter((value) => value !== undefined);
  if (given.length !== 1) throw new CliError('give exactly one of --all, --product <id>, --brand <key>');
  if (options.all) return { scope: 'all' };
  return options.product !== undefined ? { scope: 'product', target: options.product } : { scope: 'brand', target: options.brand as string };
}

export function registerVendorCommands(program: Command): void {
  const vendor = program.command('vendor');

  vendor
    .command('float')
    .description('what is left of the Bamboo balance for new orders (--refresh: ask Bamboo first)')
    .option('--refresh', "read Bamboo's balances now (the worker does every minute)")
    .action(async (options: { refresh?: boolean }, command: Command) => {
      const env = commandEnv(command);
      const views = await withVendorContext(env, async (ctx) => (options.refresh ? refreshVendorFloat(ctx) : floatViews(ctx.db)));
      print(env.json, views, views.length ? views.map(floatLine) : ['no balance read yet: run with --refresh']);
    });

  const notifications = vendor.command('notifications').description("Bamboo's notification endpoint: our completion callback URL and secret");
  notifications
    .command('set')
    .description('register PUBLIC_URL/bamboo/callback with BAMBOO_CALLBACK_SECRET at Bamboo (audited)')
    .action(async (_options: unknown, command: Command) => {
      const env = commandEnv(command);
      const stored = await withVendorContext(env, (ctx) => registerVendorCallback(ctx, operator));
      const shown = { notificationUrl: stored.notificationUrl, notificationUrlSandbox: stored.notificationUrlSandbox };
      print(env.json, shown, [`registered: ${stored.notificationUrl ?? '-'} (sandbox ${stored.notificationUrlSandbox ?? '-'})`]);
    });
  notifications
    .command('show')
    .description('what Bamboo has registered, and how it differs from our configuration (never prints the secret)')
    .action(async (_options: unknown, command: Command) => {
      const env = commandEnv(command);
      const { settings, differences } = await withVendorContext(env, (ctx) => showVendorCallback(ctx, operator));
      const shown = {
        notificationUrl: settings.notificationUrl,
        notificationUrlSandbox: settings.notificationUrlSandbox,
        secretSet: Boolean(settings.secretKey),
        differences,
      };
      print(env.json, shown, [
        `notification URL: ${settings.notificationUrl || '-'}`,
        `sandbox URL:      ${settings.notificationUrlSandbox || '-'}`,
        `secret:           ${settings.secretKey ? 'set' : 'not set'}`,
        ...(differences.length ? differences.map((difference) => `DIFFERS: ${difference}`) : ['matches our configuration']),
      ]);
    });

  const sales = program.command('sales');
  const scopeOptions = (cmd: Command) =>
    cmd.option('--all', 'all sales').option('--product <id>', 'one vendor product').option('--brand <key>', 'one brand (its key in the catalog)');
  scopeOptions(sales.command('pause').description('refuse new orders (orders already accepted finish); audited, admins told'))
    .requiredOption('--reason <text>', 'why (shown to admins and in the refusal)')
    .action(async (options: { all?: boolean; product?: string; brand?: string; reason: string }, command: Command) => {
      const env = commandEnv(command);
      const target = pauseTarget(options);
      const { pause, created } = await withVendorContext(env, (ctx) => pauseSales(ctx, operator, { ...target, reason: options.reason }));
      print(env.json, { ...pause, created }, [`${created ? 'paused' : 'already paused'}: ${pause.scope} ${pause.target} (${pause.reason})`]);
    });
  scopeOptions(sales.command('resume').description('lift a pause; audited, admins told')).action(
    async (options: { all?: boolean; product?: string; brand?: string }, command: Command) => {
      const env = commandEnv(command);
      const target = pauseTarget(options);
      const resumed = await withVendorContext(env, (ctx) => resumeSales(ctx, operator, target));
      print(env.json, { resumed }, [resumed ? `resumed: ${target.scope} ${target.target ?? ''}` : 'no such open pause']);
    },
  );
  sales
    .command('pauses')
    .description('the open pauses, newest first')
    .action(async (_options: unknown, command: Command) => {
      const env = commandEnv(command);
      const pauses = await withVendorContext(env, (ctx) => listSalesPauses(ctx.db, operator));
      print(
        env.json,
        pauses,
        pauses.length ? pauses.map((pause) => `${pause.pausedAt.toISOString()}  ${pause.scope} ${pause.target}  ${pause.reason}`) : ['no sales paused'],
      );
    });
}

// Order intake (docs/product.md#orders): `createOrder` validates and prices an order, then one transaction runs
// the `order_intake_batch` database function (the buyer's advisory lock, replay check, rights, risk
// limits, funds, insert with the price snapshot, hold wallet → order clearing, transition) and
// enqueues the place job (outbox). Idempotent on (buyer, client reference): the lock serializes one
// buyer's creates, so replays find the first order.
//
// The intake in files: `intake-request.ts` (the input and the checks that need no database),
// `intake-batch.ts` (group commit: concurrent creates are written in batches,
// docs/decisions/0005-batched-order-intake.md), `intake-pricing.ts` (the quotes of a batch) and
// `intake-write.ts` (one statement and one job insert per batch, each outcome mapped back). Intake
// throughput is benchmarked (bench/orders.ts).
import type { AppContext } from '../../context.ts';
import { isDomainError } from '../../shared/errors.ts';
import { intakeBatch, unwrap } from './intake-batch.ts';
import { intakeRequest, type CreateOrderInput, type IntakeResult, type OrderIntakeContext } from './intake-request.ts';
import type { Order } from './orders.ts';
import { checkLimitUsage, checkUnusualSpend, countRefusal } from './risk-alerts.ts';

/** What `createOrder` needs: the intake's context, the process's batcher and refusal counter, and where risk alerts go. */
export type CreateOrderContext = OrderIntakeContext & Pick<AppContext, 'intakeBatcher' | 'refusalLimiter' | 'events'>;

/** Refusals that count towards a burst alert (not input mistakes like a bad quantity). */
export const RISK_REFUSALS: ReadonlySet<string> = new Set([
  'insufficient_funds',
  'daily_limit_exceeded',
  'order_limit_exceeded',
  'profit_guard',
  'max_price_exceeded',
  'account_paused',
  'parent_paused',
]);

/**
 * Creates an order and holds its total, or returns the order this (buyer, reference) already made.
 * Risk monitoring runs after the transaction and never changes its outcome.
 */
export async function createOrder(ctx: CreateOrderContext, input: CreateOrderInput): Promise<{ order: Order; created: boolean }> {
  let result: IntakeResult;
  try {
    const request = intakeRequest(ctx, input);
    // Inside a caller's transaction the order is written there, alone.
    if (ctx.db.isTransaction) {
      result = unwrap((await intakeBatch(ctx, [request]))[0]);
    } else {
      result = await ctx.intakeBatcher.submit(request);
    }
  } catch (error) {
    if (isDomainError(error) && RISK_REFUSALS.has(error.code) && !ctx.db.isTransaction) {
      await countRefusal(ctx, input.buyerId, error.code).catch((alertError: unknown) => ctx.logger.error({ err: alertError }, 'risk monitoring failed'));
    }
    throw error;
  }
  if (result.spentToday !== undefined && !ctx.db.isTransaction) {
    await checkUnusualSpend(ctx, result.order, result.spentToday).catch((alertError: unknown) =>
      ctx.logger.error({ err: alertError }, 'risk monitoring failed'),
    );
    if (result.created) {
      await checkLimitUsage(ctx, result.order).catch((alertError: unknown) => ctx.logger.error({ err: alertError }, 'risk monitoring failed'));
    }
  }
  return { order: result.order, created: result.created };
}

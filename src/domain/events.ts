// Domain events: what the core tells the world, through one typed port (AppContext.events).
//
// A service records an event in the transaction of the change it describes (`ctx.events.record(trx,
// event)`): the event is a `domain.event` job written in that transaction (outbox), so it exists
// exactly when the change committed and survives a crash after it. The worker of `domain.event`
// hands it to the sinks the composition root chose when it built the context (the admins' and the
// wallet owners' Telegram messages, …; src/main.ts). The core knows no sink and no bot format.
import type { Kysely } from 'kysely';
import { z } from 'zod';
import type { Config } from '../config.ts';
import type { DB } from '../db/schema.ts';
import type { Logger } from '../logger.ts';
import { parseMoney, toJsonMoney, type Money } from '../shared/money.ts';
import { defineQueueContract, MIN_HEARTBEAT_SECONDS, type JobQueue } from '../shared/queue-contract.ts';

/** Money in an event: recorded as JSON (`{ amount: "12.50", currency }`), read back by the sinks as Money. */
const jsonMoney = z.object({ amount: z.string(), currency: z.string().length(3) }).strict();
const readMoney = jsonMoney.transform((value): Money => parseMoney(value.amount, value.currency));

const accountId = z.string().min(1);

const riskAlertSchema = z.discriminatedUnion('kind', [
  z.object({ kind: z.literal('unusual_spend'), accountId, spentToday: z.string(), dailyAverage: z.string() }),
  z.object({ kind: z.literal('refusal_burst'), accountId, refusals: z.number().int(), windowMinutes: z.number().int(), lastCode: z.string() }),
  /** Today's orders reached 80 % of a daily limit (`used` and `limit`: formatted money or a count). */
  z.object({ kind: z.literal('limit_near'), accountId, limit: z.enum(['daily_spend', 'daily_order_count']), used: z.string(), max: z.string() }),
]);

/** The events, with money as `moneyField` reads it: JSON when recorded, Money when read. */
function eventSchema<MoneyRead>(moneyField: z.ZodType<MoneyRead, z.input<typeof jsonMoney>>) {
  return z.discriminatedUnion('type', [
    /** The ledger check found broken invariants (the hourly job). */
    z.object({ type: z.literal('ledger.drift'), driftCount: z.number().int(), invariants: z.array(z.string()), accountIds: z.array(z.string()) }),
    /** Unusual spend, a burst of refused orders or a daily limit 80 % used: admins are told, the order is never blocked. */
    z.object({ type: z.literal('risk.alert'), alert: riskAlertSchema }),
    /** An admin credited or debited a wallet in the bot (src/domain/funding/manual.ts); `balance` is after it. */
    z.object({
      type: z.literal('wallet.adjusted'),
      accountId,
      direction: z.enum(['credit', 'debit']),
      amount: moneyField,
      reason: z.string(),
      balance: moneyField,
    }),
    /**
     * A debit made in the bot took the wallet from at or above LOW_BALANCE_THRESHOLD to below it
     * (src/domain/ledger/low-balance.ts); or a partner's wallet crossed its own threshold (recorded when
     * its `wallet.low_balance` webhook event is dispatched, src/domain/webhooks/webhooks.ts).
     */
    z.object({ type: z.literal('wallet.low_balance'), accountId, balance: moneyField, threshold: moneyField }),
    /** A parent moved money into a child's wallet (an allocation, or a fulfilled funding request); `balance` is the child's after it. */
    z.object({ type: z.literal('wallet.funded'), accountId, fromAccountId: accountId, amount: moneyField, balance: moneyField }),
    /** A sub-agent asked its agent for funds (src/domain/funding/allocation.ts). */
    z.object({ type: z.literal('funds.requested'), requestId: z.uuid(), subAgentId: accountId, agentId: accountId, amount: moneyField }),
    /** The agent declined a sub-agent's request. */
    z.object({ type: z.literal('funds.declined'), requestId: z.uuid(), subAgentId: accountId, amount: moneyField }),
    /** An agent asked the admins to top up its wallet (src/domain/funding/topups.ts). */
    z.object({
      type: z.literal('topup.requested'),
      requestId: z.uuid(),
      accountId,
      amount: moneyField,
      proof: z.object({ kind: z.enum(['photo', 'reference']), value: z.string() }),
      duplicate: z.boolean(),
    }),
    /** An admin approved (the wallet was credited; `balance` after it) or rejected a top-up request. */
    z.object({
      type: z.literal('topup.decided'),
      requestId: z.uuid(),
      accountId,
      decision: z.enum(['approved', 'rejected']),
      amount: moneyField,
      reason: z.string().nullable(),
      balance: moneyField.nullable(),
    }),
    /** An agent's revenue share of a month was paid into its wallet (src/domain/revenue-share/). */
    z.object({ type: z.literal('revenue_share.paid'), accountId, month: z.string(), amount: moneyField }),
    /**
     * An order waits for an operator (src/domain/orders/fulfilment.ts): Bamboo said "no such order" for
     * an order it may have accepted, or its card list contradicts the order. The money stays held.
     */
    z.object({ type: z.literal('order.needs_attention'), orderId: z.uuid(), number: z.string(), reason: z.string() }),
    /** The live vendor float covers fewer hours of recent sales than VENDOR_FLOAT_ALERT_HOURS, or none (src/domain/vendor/float.ts). */
    z.object({
      type: z.literal('vendor.float_low'),
      currency: z.string().length(3),
      left: moneyField,
      hoursLeft: z.number().nullable(),
      thresholdHours: z.number(),
    }),
    /** The vendor breaker opened (placements pause) or closed again (src/domain/vendor/breaker.ts). */
    z.object({ type: z.literal('vendor.breaker'), state: z.enum(['open', 'closed']), failures: z.number().int(), windowSeconds: z.number().int() }),
    /** A sales pause was set or lifted (src/domain/vendor/sales-pauses.ts). */
    z.object({
      type: z.literal('sales.paused'),
      action: z.enum(['paused', 'resumed']),
      scope: z.enum(['all', 'product', 'brand']),
      target: z.string(),
      reason: z.string(),
      by: z.string(),
    }),
    /** The daily callback check found our completion callback not registered as configured, or silent (src/domain/vendor/notifications.ts). */
    z.object({ type: z.literal('vendor.callback_problem'), day: z.string(), problems: z.array(z.string()) }),
    /** A month ended: an agent's or sub-agent's statement of it (src/domain/reports/monthly-reports.ts). */
    z.object({
      type: z.literal('statement.monthly'),
      accountId,
      month: z.string(),
      opening: moneyField,
      credits: moneyField,
      debits: moneyField,
      orders: moneyField,
      revenueShare: moneyField,
      closing: moneyField,
    }),
    /** A customer opened a card's one-time claim link (src/domain/orders/sharing.ts): its agent is told. */
    z.object({
      type: z.literal('card.claim_opened'),
      accountId,
      orderNumber: z.string(),
      position: z.number().int(),
      card: z.string(),
      face: moneyField,
      openedAt: z.string(),
    }),
    /** A partner signed up on its own and waits for an admin's decision (src/domain/signups/). */
    z.object({ type: z.literal('signup.created'), accountId, companyName: z.string(), email: z.string(), useCase: z.string() }),
    /** An admin approved or rejected a signup (src/domain/signups/signups.ts). */
    z.object({ type: z.literal('signup.decided'), accountId, decision: z.enum(['approved', 'rejected']), reason: z.string().nullable() }),
    /** A partner got its first live API key ever (src/domain/api-keys, src/domain/signups): it can now spend real money. */
    z.object({ type: z.literal('partner.live_access_granted'), accountId, keyPrefix: z.string(), issuedBy: z.enum(['partner', 'admin']) }),
    /** Every delivery to a partner's webhook endpoint has failed for an hour (src/domain/webhooks); once per failing spell. */
    z.object({
      type: z.literal('webhook.endpoint_failing'),
      accountId,
      url: z.string(),
      failingSince: z.iso.datetime(),
      lastError: z.string().nullable(),
    }),
    /** A partner was inactive for REENGAGEMENT_INACTIVE_DAYS (src/domain/growth/reengagement.ts); once per spell. */
    z.object({ type: z.literal('partner.inactive'), accountId, inactiveDays: z.number().int(), lastActivityAt: z.iso.datetime().nullable() }),
  ]);
}

/** An event as a service records it (the `domain.event` job's payload). */
export const recordedEventSchema = eventSchema(jsonMoney);
/** An event as its sinks read it. */
export const domainEventSchema = eventSchema(readMoney);

/** An event as its sinks read it (money as Money). */
export type DomainEvent = z.output<typeof domainEventSchema>;
/** An event as a service records it (money as JSON: `eventMoney`). */
export type DomainEventInput = z.input<typeof recordedEventSchema>;

/** Money as an event records it. */
export const eventMoney = toJsonMoney;

/** The outbox of domain events: one job per event, written in the transaction of the change. */
export const domainEventQueue = defineQueueContract({
  name: 'domain.event',
  payload: recordedEventSchema,
  // A sink that failed is retried with the others: sinks may hear an event twice, never lose it.
  retry: { limit: 10, delaySeconds: 5, backoff: true, delayMaxSeconds: 600 },
  expireInSeconds: 60,
  heartbeatSeconds: MIN_HEARTBEAT_SECONDS,
  deadLetter: true,
  pollingIntervalSeconds: 1,
  notify: true,
});

/** Reacts to the events it cares about; ignores the others. */
export type DomainEventSink = (event: DomainEvent) => Promise<void>;

export interface EventPort {
  /**
   * Records the event in `db` (the transaction of the change it describes): it reaches the sinks
   * only if that transaction commits, and at least once after that, whatever process dies.
   */
  record(db: Kysely<DB>, event: DomainEventInput): Promise<void>;
  /**
   * Hands a recorded event to every sink (the `domain.event` worker). A failing sink is logged and
   * does not stop the others; then it throws, so the job is retried.
   */
  deliver(event: DomainEvent): Promise<void>;
}

/** What a service needs to record its events: the database, the port, and the settings rules read (thresholds). */
export interface EventContext {
  readonly db: Kysely<DB>;
  readonly events: EventPort;
  readonly config: Config;
}

/**
 * Where a service works: the app context (it records its events in its own transaction), or a bare
 * database (seeds, scripts, tests of a rule alone), where it records none.
 */
export type ServiceTarget = Kysely<DB> | EventContext;

export function serviceTarget(target: ServiceTarget): { db: Kysely<DB>; events: EventContext | undefined } {
  return 'events' in target ? { db: target.db, events: target } : { db: target, events: undefined };
}

export function createEventPort(jobs: JobQueue, sinks: readonly DomainEventSink[], logger: Logger): EventPort {
  return {
    async record(db, event) {
      await jobs.enqueue(domainEventQueue, event, { db });
    },
    async deliver(event) {
      let failed = 0;
      for (const sink of sinks) {
        try {
          await sink(event);
        } catch (error) {
          failed += 1;
          logger.error({ err: error, event: event.type }, 'event sink failed');
        }
      }
      if (failed > 0) throw new Error(`${failed} sink(s) failed on ${event.type}`);
    },
  };
}

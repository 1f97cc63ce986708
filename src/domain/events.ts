// Domain events: what the core tells the world, through one typed port (AppContext.events). The
// domain publishes; the sinks (admin alerts in Telegram, …) are chosen by the composition root when
// it builds the context (src/context.ts, src/main.ts), so the core knows no adapter and no process
// shares its subscribers with another context. Without sinks an event is only logged.
import type { Logger } from '../logger.ts';
import type { Money } from '../shared/money.ts';
import type { ConsistencyReport } from './ledger/consistency.ts';
import type { RiskAlert } from './orders/risk-alerts.ts';

export type DomainEvent =
  /** The ledger check found broken invariants (the hourly job or `steller ledger check`). */
  | { type: 'ledger.drift'; report: ConsistencyReport }
  /** Unusual spend or a burst of refused orders: admins are told, the order is never blocked. */
  | { type: 'risk.alert'; alert: RiskAlert }
  /** An admin credited or debited a wallet in the bot (src/domain/funding/manual.ts); `balance` is after it. */
  | { type: 'wallet.adjusted'; accountId: string; direction: 'credit' | 'debit'; amount: Money; reason: string; balance: Money }
  /** A debit made in the bot took the wallet from at or above LOW_BALANCE_THRESHOLD to below it (src/domain/ledger/low-balance.ts). */
  | { type: 'wallet.low_balance'; accountId: string; balance: Money; threshold: Money };

/** Reacts to the events it cares about; ignores the others. */
export type DomainEventSink = (event: DomainEvent) => Promise<void>;

export interface EventPort {
  /** Hands the event to every sink; one failing sink is logged and does not stop the others. */
  publish(event: DomainEvent): Promise<void>;
}

export function createEventPort(sinks: readonly DomainEventSink[], logger: Logger): EventPort {
  return {
    async publish(event) {
      for (const sink of sinks) {
        try {
          await sink(event);
        } catch (error) {
          logger.error({ err: error, event: event.type }, 'event sink failed');
        }
      }
    },
  };
}

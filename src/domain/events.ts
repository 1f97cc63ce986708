// Domain events: what the core tells the world, through one typed port (AppContext.events). The
// domain publishes; the sinks (admin alerts in Telegram, …) are chosen by the composition root when
// it builds the context (src/context.ts, src/main.ts), so the core knows no adapter and no process
// shares its subscribers with another context. Without sinks an event is only logged.
import type { Logger } from '../logger.ts';
import type { ConsistencyReport } from './ledger/consistency.ts';
import type { RiskAlert } from './orders/risk-alerts.ts';

export type DomainEvent =
  /** The ledger check found broken invariants (the hourly job or `steller ledger check`). */
  | { type: 'ledger.drift'; report: ConsistencyReport }
  /** Unusual spend or a burst of refused orders: admins are told, the order is never blocked. */
  | { type: 'risk.alert'; alert: RiskAlert };

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

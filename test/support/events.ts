// Domain events in tests: deliver what the outbox holds as the `domain.event` worker would, or
// record events without a database (the event is checked against its schema either way).
import type { AppContext } from '../../src/context.ts';
import { domainEventQueue, domainEventSchema, type DomainEvent, type EventPort } from '../../src/domain/events.ts';
import type { TestContext } from './context.ts';
import { runDueJobs } from './orders.ts';

/** Runs the `domain.event` jobs recorded so far through `ctx`'s sinks; returns each delivery's result or error. */
export async function deliverRecordedEvents(test: Pick<TestContext, 'boss'>, ctx: AppContext): Promise<unknown[]> {
  return runDueJobs(test, ctx, domainEventQueue);
}

/** An event port that keeps what is recorded (parsed, as a sink would read it) in `recorded`. */
export function recordingEventPort(): EventPort & { recorded: DomainEvent[] } {
  const recorded: DomainEvent[] = [];
  return {
    recorded,
    async record(_db, event) {
      recorded.push(domainEventSchema.parse(event));
    },
    async deliver() {
      throw new Error('a recording port delivers nothing');
    },
  };
}

// The worker of the domain-event outbox (contract in src/domain/events.ts): hands each recorded
// event to the sinks of this process's context.
import { domainEventQueue, domainEventSchema } from '../../domain/events.ts';
import { bindQueue } from '../registry.ts';

export const domainEventWorker = bindQueue(domainEventQueue, async (ctx, recorded) => {
  await ctx.events.deliver(domainEventSchema.parse(recorded));
});

// Workers of the order engine's queues (contracts in src/domain/orders/queues.ts): each job runs
// one domain step.
import { deliverOrderEvent } from '../../domain/orders/events.ts';
import { placeWithVendor, pollVendorOrder } from '../../domain/orders/fulfilment.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue, orderReconcileQueue, orderVendorComparisonQueue } from '../../domain/orders/queues.ts';
import { compareWithVendorTransactions, reconcileOrders } from '../../domain/orders/reconciliation.ts';
import { yesterdayUtc } from '../../shared/queue-contract.ts';
import { bindQueue } from '../registry.ts';

// The job's id is the order's vendor lease token: a retry of this job takes the lease back at once.
export const orderPlaceWorker = bindQueue(orderPlaceQueue, async (ctx, data, job) => ({ outcome: await placeWithVendor(ctx, data.orderId, job.id) }));

export const orderPollWorker = bindQueue(orderPollQueue, async (ctx, data) => ({ outcome: await pollVendorOrder(ctx, data.orderId, data.pollCount) }));

export const orderEventsWorker = bindQueue(orderEventsQueue, async (ctx, data) => ({
  delivered: (await deliverOrderEvent(ctx, data.orderId, data.type)).type,
}));

export const orderReconcileWorker = bindQueue(orderReconcileQueue, async (ctx) => reconcileOrders(ctx));

export const orderVendorComparisonWorker = bindQueue(orderVendorComparisonQueue, async (ctx, data) => {
  const day = data.day ?? yesterdayUtc();
  const differences = await compareWithVendorTransactions(ctx, day);
  return { day, differences: differences.length };
});

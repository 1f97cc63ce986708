// The onboarding stage of a self-signed-up partner, moved by real events: orders through the API and
// the Bamboo simulator (jobs run by hand, as in test/api/orders.test.ts), and the admin's approval.
import { beforeEach, describe, expect, it } from 'vitest';
import { recordOrderForOnboarding } from '../../src/domain/signups/onboarding.ts';
import { type ManualClock, SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { orderEventsQueue, orderPlaceQueue, orderPollQueue } from '../../src/domain/orders/queues.ts';
import { createApiHarness } from '../support/api.ts';
import { mountSimulator, simulatorClient } from '../support/bamboo.ts';
import { insertProduct } from '../support/catalog.ts';
import { expectOrderMoneyConserved, runDueJobs } from '../support/orders.ts';
import { signupClient, signupInput, type SignupBody } from '../support/signup.ts';

const harness = await createApiHarness({ env: { ONBOARDING_ACTIVE_LIVE_ORDERS: '2' } });
const { ctx, call, adminKey } = harness;
const { db } = ctx;
const signup = await signupClient(harness);

await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
await insertProduct(db, { id: SIM_PRODUCTS.outOfStock, minFace: 2500n, costMin: 2375n });

let clock: ManualClock;
beforeEach(() => {
  clock = mountSimulator({ rateLimits: false }).clock;
  ctx.vendor = simulatorClient({ clock });
});

const steam = { productId: String(SIM_PRODUCTS.steam10), faceValue: { amount: '10.00', currency: 'USD' }, quantity: 1 };
const outOfStock = { productId: String(SIM_PRODUCTS.outOfStock), faceValue: { amount: '25.00', currency: 'USD' }, quantity: 1 };

/** Place, poll, and hand the final states to order.events (where onboarding moves on). */
async function finishOrders() {
  await runDueJobs(harness, ctx, orderPlaceQueue);
  clock.advance(1500);
  await runDueJobs(harness, ctx, orderPollQueue);
  const results = await runDueJobs(harness, ctx, orderEventsQueue);
  expect(results.filter((result) => result instanceof Error)).toEqual([]);
}

async function order(key: string, body: object): Promise<string> {
  const response = await call(key, 'POST', '/v1/orders', body);
  expect(response.status).toBe(202);
  return ((await response.json()) as { id: string }).id;
}

interface Onboarding {
  status: string;
  stage: string;
  stages: { stage: string; reachedAt: string | null }[];
  nextStep: string;
}
const onboarding = async (key: string) => (await (await call(key, 'GET', '/v1/onboarding')).json()) as Onboarding;
const reached = (view: Onboarding) => Object.fromEntries(view.stages.map((entry) => [entry.stage, entry.reachedAt]));

async function signedUp(): Promise<SignupBody> {
  const response = await signup(signupInput());
  expect(response.status).toBe(201);
  return (await response.json()) as SignupBody;
}

describe('onboarding from real events', () => {
  it('signed_up → first_test_order → approved → first_live_order → active', async () => {
    const partner = await signedUp();
    const testKey = partner.apiKey.key;
    const orderIds: string[] = [];

    // A failed sandbox order does not count.
    orderIds.push(await order(testKey, outOfStock));
    await finishOrders();
    expect((await onboarding(testKey)).stage).toBe('signed_up');

    orderIds.push(await order(testKey, steam));
    await finishOrders();
    const tested = await onboarding(testKey);
    expect(tested).toMatchObject({ status: 'pending', stage: 'first_test_order' });
    expect(tested.nextStep).toContain('approve');
    const firstTestAt = reached(tested).first_test_order;
    expect(firstTestAt).not.toBeNull();

    // A second test order and a replayed event change nothing.
    orderIds.push(await order(testKey, steam));
    await finishOrders();
    expect(await recordOrderForOnboarding(db, { activeAfterLiveOrders: 2 }, { buyerId: partner.sandboxAccountId, status: 'completed' })).toBe(
      'first_test_order',
    );
    expect(reached(await onboarding(testKey)).first_test_order).toBe(firstTestAt);

    expect((await call(adminKey, 'POST', `/v1/admin/signups/${partner.accountId}/approve`)).status).toBe(200);
    const approved = await onboarding(testKey);
    expect(approved).toMatchObject({ status: 'approved', stage: 'approved' });
    expect(reached(approved).first_test_order).toBe(firstTestAt);

    // Live without an operator: the partner makes its live key; an admin credits real funds.
    const liveKey = ((await (await call(testKey, 'POST', '/v1/keys/live')).json()) as { key: string }).key;
    const credit = await call(
      adminKey,
      'POST',
      `/v1/admin/accounts/${partner.accountId}/credit`,
      { amount: '50.00', currency: 'USD', reason: 'prepayment' },
      { 'idempotency-key': `pre-${partner.accountId}` },
    );
    expect(credit.status).toBe(200);

    orderIds.push(await order(liveKey, steam));
    await finishOrders();
    const firstLive = await onboarding(liveKey);
    expect(firstLive.stage).toBe('first_live_order');
    // Sandbox orders after approval do not move live stages.
    orderIds.push(await order(testKey, steam));
    await finishOrders();
    expect((await onboarding(liveKey)).stage).toBe('first_live_order');

    orderIds.push(await order(liveKey, steam));
    await finishOrders();
    const active = await onboarding(liveKey);
    expect(active.stage).toBe('active');
    const times = ['signed_up', 'first_test_order', 'approved', 'first_live_order', 'active'].map((stage) => Date.parse(reached(active)[stage] as string));
    expect(times.every((time, index) => index === 0 || time >= times[index - 1]!)).toBe(true);

    // The admin list shows the stage.
    const listed = (await (await call(adminKey, 'GET', '/v1/admin/signups?status=approved')).json()) as { data: { accountId: string; stage: string }[] };
    expect(listed.data.find((item) => item.accountId === partner.accountId)?.stage).toBe('active');
    await expectOrderMoneyConserved(db, orderIds);
  });

  it('an approval before any test order skips that stage; a later test order only records its time', async () => {
    const partner = await signedUp();
    expect((await call(adminKey, 'POST', `/v1/admin/signups/${partner.accountId}/approve`)).status).toBe(200);
    const approved = await onboarding(partner.apiKey.key);
    expect(approved.stage).toBe('approved');
    expect(reached(approved).first_test_order).toBeNull();

    const orderId = await order(partner.apiKey.key, steam);
    await finishOrders();
    const after = await onboarding(partner.apiKey.key);
    expect(after.stage).toBe('approved');
    expect(reached(after).first_test_order).not.toBeNull();
    await expectOrderMoneyConserved(db, [orderId]);
  });
});

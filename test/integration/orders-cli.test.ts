// `steller order show|retry|refund` in-process against a test database.
import { afterEach, describe, expect, it, vi } from 'vitest';
import { buildProgram } from '../../src/cli/main.ts';
import { accountActor } from '../../src/domain/actor.ts';
import { createOrder } from '../../src/domain/orders/orders.ts';
import { SIM_PRODUCTS } from '../../src/integrations/bamboo/simulator/index.ts';
import { parseMoney } from '../../src/shared/money.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestContext } from '../support/context.ts';
import { balance, expectDomainError, fund, makeAccount } from '../support/money.ts';
import { expectOrderMoneyConserved } from '../support/orders.ts';

const { ctx, database } = await createTestContext();
const { db } = ctx;

async function steller(...args: string[]): Promise<any> {
  vi.stubEnv('DATABASE_URL', database.url);
  let output = '';
  const write = vi.spyOn(process.stdout, 'write').mockImplementation((chunk: string | Uint8Array) => {
    output += chunk.toString();
    return true;
  });
  try {
    await buildProgram().parseAsync(['node', 'steller', '--json', ...args]);
  } finally {
    write.mockRestore();
  }
  return JSON.parse(output);
}

afterEach(() => {
  vi.unstubAllEnvs();
});

describe('steller order', () => {
  it('shows an order by number and refunds one that never reached the vendor, once', async () => {
    await insertProduct(db, { id: SIM_PRODUCTS.steam10, minFace: 1000n, costMin: 947n });
    const buyer = await makeAccount(db, 'partner');
    await fund(db, buyer, '50.00');
    const { order } = await createOrder(ctx, {
      buyerId: buyer.id,
      actor: accountActor(buyer.id, 'api'),
      clientReference: 'cli-1',
      productId: SIM_PRODUCTS.steam10,
      face: parseMoney('10.00', 'USD'),
      quantity: 2,
    });
    const shown = await steller('order', 'show', '--id', order.number);
    expect(shown).toMatchObject({ order: { id: order.id, status: 'pending', number: order.number }, cardsStored: 0 });
    expect(shown.transitions.map((transition: { status: string }) => transition.status)).toEqual(['pending']);
    expect(await balance(db, buyer)).toBe('30.00');

    expect(await steller('order', 'refund', '--id', order.id)).toEqual({ outcome: 'failed' });
    expect(await balance(db, buyer)).toBe('50.00');
    await expectDomainError(steller('order', 'refund', '--id', order.id), 'order_final');
    await expectDomainError(steller('order', 'retry', '--id', order.id), 'order_final');
    expect(await balance(db, buyer)).toBe('50.00');
    await expectOrderMoneyConserved(db, [order.id]);
  });
});

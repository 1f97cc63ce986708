// The priced read cache on its own (src/domain/pricing/priced-reads.ts): a read is made once per
// pricing profile and generation, made again after a change, shared by accounts with the same
// profile and not by others, and answered from the database when the shared state cannot be reached.
import { describe, expect, it } from 'vitest';
import { createGenerationReader } from '../../src/db/generations.ts';
import { createAccount } from '../../src/domain/accounts/accounts.ts';
import { saveCardList } from '../../src/domain/pricing/card-list.ts';
import { assignPricePlan, createPricePlan } from '../../src/domain/pricing/pricing.ts';
import { createPricedReads } from '../../src/domain/pricing/priced-reads.ts';
import { createMemoryState, type SharedState } from '../../src/shared-state/index.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestDatabase } from '../support/db.ts';
import { operator } from '../support/money.ts';

const { db } = await createTestDatabase();
await insertProduct(db, { id: 11, minFace: 1000n, costMin: 900n });

const newPartner = (name: string, currency = 'USD') => createAccount(db, operator, { role: 'partner', name, currency, parentId: null });

/** A loader that counts its calls. */
function counting() {
  let calls = 0;
  return {
    calls: () => calls,
    load: async () => {
      calls += 1;
      return `body ${calls}`;
    },
  };
}

describe('priced reads', () => {
  it('loads once per profile and generation; a plan change or a card list save loads again', async () => {
    const reads = createPricedReads({ db, state: createMemoryState(), generations: createGenerationReader(db), orderFee: '0USD' });
    const [first, samePlan, euro] = [await newPartner('one'), await newPartner('two'), await newPartner('three', 'EUR')];
    const loader = counting();
    const answer = await reads.forAccount(first.id, 'page', loader.load);
    expect(await reads.forAccount(first.id, 'page', loader.load)).toEqual(answer);
    expect(await reads.forAccount(samePlan.id, 'page', loader.load)).toEqual(answer);
    expect(loader.calls()).toBe(1);
    // Another currency is another profile.
    await reads.forAccount(euro.id, 'page', loader.load);
    expect(loader.calls()).toBe(2);

    const plan = await createPricePlan(db, operator, { name: 'reads 3%', defaultDiscountBps: 300 });
    await assignPricePlan(db, operator, { accountId: first.id }, plan.id);
    const changed = await reads.forAccount(first.id, 'page', loader.load);
    expect(changed.body).toBe('body 3');
    expect(changed.etag).not.toBe(answer.etag);
    // The other partner kept its plan (a new entry under the new generation, the same body as before).
    expect((await reads.forAccount(samePlan.id, 'page', loader.load)).body).toBe('body 4');

    const everyone = counting();
    await reads.forEveryone('card list', everyone.load);
    await reads.forEveryone('card list', everyone.load);
    expect(everyone.calls()).toBe(1);
    await saveCardList(db, operator, [{ productId: 11n, denominations: [1000n] }], { maxEntries: 10 });
    await reads.forEveryone('card list', everyone.load);
    expect(everyone.calls()).toBe(2);
  });

  it('answers from the database when the shared state fails, and does not cache a failed load', async () => {
    const failing = new Error('redis is down');
    const broken = {
      ...createMemoryState(),
      kind: 'redis',
      kv: {
        get: () => Promise.reject(failing),
        set: () => Promise.reject(failing),
        setIfAbsent: () => Promise.reject(failing),
        delete: () => Promise.reject(failing),
      },
    } satisfies SharedState;
    const reads = createPricedReads({ db, state: broken, generations: createGenerationReader(db), orderFee: '0USD' });
    const partner = await newPartner('four');
    await expect(reads.forAccount(partner.id, 'page', () => Promise.reject(new Error('no page')))).rejects.toThrow('no page');
    const loader = counting();
    expect((await reads.forAccount(partner.id, 'page', loader.load)).body).toBe('body 1');
    expect((await reads.forAccount(partner.id, 'page', loader.load)).body).toBe('body 1');
    expect(loader.calls()).toBe(1);
  });

  it('refuses an unknown account', async () => {
    const reads = createPricedReads({ db, state: createMemoryState(), generations: createGenerationReader(db), orderFee: '0USD' });
    await expect(reads.forAccount('00000000-0000-4000-8000-000000000000', 'page', async () => 'x')).rejects.toMatchObject({ code: 'account_not_found' });
  });
});

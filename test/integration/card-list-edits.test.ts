// One change at a time to the Telegram card list (editCardList: the bot's and the web's edits): add,
// move up and down, set an entry's face values, remove; a change aimed at an entry that moved or went
// meanwhile is refused; admins only; audited; two admins adding at once both land (the list's lock).
import { describe, expect, it } from 'vitest';
import { accountActor } from '../../src/domain/actor.ts';
import { editCardList, parseCardListFaces, readCardList, saveCardList } from '../../src/domain/pricing/card-list.ts';
import { insertProduct } from '../support/catalog.ts';
import { createTestDatabase } from '../support/db.ts';
import { expectDomainError, makeAccount, operator } from '../support/money.ts';

const { db } = await createTestDatabase();
const limits = { maxEntries: 10 };
await insertProduct(db, { id: 1, minFace: 1000n, costMin: 947n });
await insertProduct(db, { id: 2, minFace: 500n, maxFace: 50_000n, costMin: 475n, costMax: 47_500n });
await insertProduct(db, { id: 3, minFace: 2500n, costMin: 2400n });

const products = async () => (await readCardList(db)).map((entry) => Number(entry.productId));

describe('editCardList', () => {
  it('adds, moves up and down, sets face values and removes, one audited save each', async () => {
    await saveCardList(db, operator, [], limits);
    await editCardList(db, operator, { action: 'add', productId: 1n, faces: { denominations: [1000n] } }, limits);
    await editCardList(db, operator, { action: 'add', productId: 2n, faces: { range: { min: 500n, max: 20_000n } } }, limits);
    await editCardList(db, operator, { action: 'add', productId: 3n, faces: { denominations: [2500n] } }, limits);
    expect(await products()).toEqual([1, 2, 3]);
    await editCardList(db, operator, { action: 'up', position: 2, productId: 3n }, limits);
    expect(await products()).toEqual([1, 3, 2]);
    await editCardList(db, operator, { action: 'down', position: 0, productId: 1n }, limits);
    expect(await products()).toEqual([3, 1, 2]);
    await editCardList(db, operator, { action: 'set_faces', position: 2, productId: 2n, faces: { denominations: [500n, 1000n] } }, limits);
    expect((await readCardList(db))[2]).toEqual({ position: 2, productId: 2n, denominations: [500n, 1000n] });
    await editCardList(db, operator, { action: 'remove', position: 1, productId: 1n }, limits);
    expect(await products()).toEqual([3, 2]);
    const saves = await db.selectFrom('audit_log').select(['before', 'after']).where('action', '=', 'card_list.saved').orderBy('id').execute();
    expect(saves).toHaveLength(8);
    expect((saves.at(-1)!.before as unknown[]).length).toBe(3);
    expect((saves.at(-1)!.after as unknown[]).length).toBe(2);
  });

  it('refuses a change aimed at an entry that moved or went, and moves past either end', async () => {
    await saveCardList(
      db,
      operator,
      [
        { productId: 1n, denominations: [1000n] },
        { productId: 3n, denominations: [2500n] },
      ],
      limits,
    );
    await expectDomainError(editCardList(db, operator, { action: 'remove', position: 0, productId: 3n }, limits), 'card_list_changed');
    await expectDomainError(editCardList(db, operator, { action: 'up', position: 5, productId: 1n }, limits), 'card_list_changed');
    await expectDomainError(editCardList(db, operator, { action: 'up', position: 0, productId: 1n }, limits), 'card_list_changed');
    await expectDomainError(editCardList(db, operator, { action: 'down', position: 1, productId: 3n }, limits), 'card_list_changed');
    expect(await products()).toEqual([1, 3]);
  });

  it('validates against the product and the size limit, and is for admins only', async () => {
    await saveCardList(db, operator, [{ productId: 1n, denominations: [1000n] }], limits);
    await expectDomainError(
      editCardList(db, operator, { action: 'add', productId: 2n, faces: { range: { min: 100n, max: 200n } } }, limits),
      'denomination_out_of_range',
    );
    await expectDomainError(
      editCardList(db, operator, { action: 'set_faces', position: 0, productId: 1n, faces: { range: { min: 1000n, max: 1000n } } }, limits),
      'invalid_card_list',
    );
    await expectDomainError(
      editCardList(db, operator, { action: 'add', productId: 3n, faces: { denominations: [2500n] } }, { maxEntries: 1 }),
      'invalid_card_list',
    );
    const agent = await makeAccount(db, 'agent');
    await expectDomainError(editCardList(db, accountActor(agent.id, 'web'), { action: 'remove', position: 0, productId: 1n }, limits), 'forbidden');
    expect(await products()).toEqual([1]);
  });

  it('admins adding at once: every entry lands', async () => {
    await saveCardList(db, operator, [], limits);
    const adds = Array.from({ length: 8 }, () => editCardList(db, operator, { action: 'add', productId: 1n, faces: { denominations: [1000n] } }, limits));
    await Promise.all(adds);
    expect(await products()).toEqual(Array.from({ length: 8 }, () => 1));
  });

  it('reads typed face values: fixed values or a range', () => {
    expect(parseCardListFaces('10, 25.50', 'USD')).toEqual({ denominations: [1000n, 2550n] });
    expect(parseCardListFaces('5 - 200', 'USD')).toEqual({ range: { min: 500n, max: 20_000n } });
    expect(parseCardListFaces('ten', 'USD')).toBeUndefined();
  });
});

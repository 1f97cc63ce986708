// The Telegram card list (docs/product.md#catalog-and-the-card-list): what the bot sells, chosen and ordered by admins. Each entry is a
// synced product with either fixed denominations or a range inside the product's range. Saved as a
// whole (the admin edits the list, then saves it), validated against the synced catalog.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { money } from '../../shared/money.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { assertDenomination, getProduct } from './pricing.ts';

export type CardListEntryInput = { productId: bigint; denominations: bigint[] } | { productId: bigint; range: { min: bigint; max: bigint } };

export type CardListEntry = CardListEntryInput & { position: number };

function validateEntry(product: Awaited<ReturnType<typeof getProduct>>, entry: CardListEntryInput): void {
  if (!product.active) throw new DomainError('product_not_found', `product ${product.id} is no longer sold`, { productId: String(product.id) });
  const faces = 'denominations' in entry ? entry.denominations : [entry.range.min, entry.range.max];
  if ('denominations' in entry) {
    if (entry.denominations.length === 0) throw new DomainError('invalid_card_list', `product ${product.id}: name at least one denomination`);
    if (new Set(entry.denominations).size !== entry.denominations.length)
      throw new DomainError('invalid_card_list', `product ${product.id}: a denomination appears twice`);
  } else {
    if (product.kind !== 'range') throw new DomainError('invalid_card_list', `product ${product.id} has a fixed value: list its denomination, not a range`);
    if (entry.range.min > entry.range.max) throw new DomainError('invalid_card_list', `product ${product.id}: the range minimum is above its maximum`);
  }
  for (const face of faces) assertDenomination(product, money(face, product.face_currency));
}

/** Replaces the whole card list with `entries`, in that order. */
export async function saveCardList(
  db: Kysely<DB>,
  actor: Actor,
  entries: readonly CardListEntryInput[],
  options: { maxEntries: number },
): Promise<CardListEntry[]> {
  if (entries.length > options.maxEntries) {
    throw new DomainError('invalid_card_list', `the card list holds at most ${options.maxEntries} entries`, { maxEntries: options.maxEntries });
  }
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    for (const entry of entries) validateEntry(await getProduct(trx, entry.productId), entry);
    const before = await readCardList(trx);
    await trx.deleteFrom('card_list_entries').execute();
    if (entries.length > 0) {
      await trx
        .insertInto('card_list_entries')
        .values(
          entries.map((entry, position) => ({
            position,
            product_id: entry.productId,
            denominations: 'denominations' in entry ? entry.denominations.map(String) : null,
            range_min_minor: 'range' in entry ? entry.range.min : null,
            range_max_minor: 'range' in entry ? entry.range.max : null,
          })),
        )
        .execute();
    }
    const after = await readCardList(trx);
    await writeAudit(trx, { actor, action: 'card_list.saved', subject: { type: 'card_list', id: 'telegram' }, before, after });
    return after;
  });
}

export async function readCardList(db: Kysely<DB>): Promise<CardListEntry[]> {
  const rows = await db.selectFrom('card_list_entries').selectAll().orderBy('position').execute();
  return rows.map((row) =>
    row.denominations !== null
      ? { position: row.position, productId: row.product_id, denominations: row.denominations.map((value) => BigInt(value)) }
      : { position: row.position, productId: row.product_id, range: { min: row.range_min_minor as bigint, max: row.range_max_minor as bigint } },
  );
}

/**
 * Whether a bot order for `face` of `productId` is on the card list. The catalog may have changed
 * since the list was saved, so the order engine validates against the product again anyway.
 */
export async function assertOnCardList(db: Kysely<DB>, productId: bigint, face: bigint): Promise<void> {
  const entries = (await readCardList(db)).filter((entry) => entry.productId === productId);
  const listed = entries.some((entry) => ('denominations' in entry ? entry.denominations.includes(face) : face >= entry.range.min && face <= entry.range.max));
  if (!listed) throw new DomainError('not_on_card_list', 'this card is not on the card list', { productId: String(productId) });
}

// The Telegram card list (docs/product.md#catalog-and-the-card-list): what the bot sells, chosen and ordered by admins. Each entry is a
// synced product with either fixed denominations or a range inside the product's range. Saved as a
// whole (`saveCardList`: the API and the CLI), or changed one entry at a time (`editCardList`: the
// bot and the web), always validated against the synced catalog, under the list's lock, audited.
import { sql, type Kysely, type Transaction } from 'kysely';
import type { DB } from '../../db/schema.ts';
import type { CardListEntryRow } from './pricing.tables.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { money, parseMoney } from '../../shared/money.ts';
import { requireAdmin } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { assertDenomination, getProduct } from './pricing.ts';

export type CardListEntryInput = { productId: bigint; denominations: bigint[] } | { productId: bigint; range: { min: bigint; max: bigint } };

export type CardListEntry = CardListEntryInput & { position: number };

/** An entry's face values: fixed denominations or a range, in minor units of the product's currency. */
export type CardListFaces = { denominations: bigint[] } | { range: { min: bigint; max: bigint } };

/** One change to the list. An existing entry is named by its position and product, so a change made on a list shown before another admin's change is refused (`card_list_changed`) instead of touching a different entry. */
export type CardListEdit =
  | { action: 'add'; productId: bigint; faces: CardListFaces }
  | { action: 'up' | 'down' | 'remove'; position: number; productId: bigint }
  | { action: 'set_faces'; position: number; productId: bigint; faces: CardListFaces };

/** Face values an admin typed: "10, 25" (fixed values) or "5-200" (a range), in the product's currency; undefined when unreadable. */
export function parseCardListFaces(text: string, currency: string): CardListFaces | undefined {
  const parse = (value: string) => {
    try {
      return parseMoney(value.trim(), currency).amount;
    } catch {
      return undefined;
    }
  };
  const range = /^\s*([\d.]+)\s*-\s*([\d.]+)\s*$/.exec(text);
  if (range) {
    const [min, max] = [parse(range[1] as string), parse(range[2] as string)];
    return min !== undefined && max !== undefined ? { range: { min, max } } : undefined;
  }
  const values = text.split(',').map(parse);
  return values.length > 0 && values.every((value) => value !== undefined && value > 0n) ? { denominations: values as bigint[] } : undefined;
}

const withoutPosition = (entry: CardListEntry): CardListEntryInput =>
  'denominations' in entry ? { productId: entry.productId, denominations: entry.denominations } : { productId: entry.productId, range: entry.range };

/** Writers of the list take its lock first, so two admins' changes apply one after the other (readers are not blocked). */
const lockCardList = (trx: Transaction<DB>) => sql`lock table card_list_entries in exclusive mode`.execute(trx);

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
    await lockCardList(trx);
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

/** Applies one change to the list as it is now (admin-only, validated, audited as `card_list.saved`); answers the saved list. */
export async function editCardList(db: Kysely<DB>, actor: Actor, edit: CardListEdit, options: { maxEntries: number }): Promise<CardListEntry[]> {
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    await lockCardList(trx);
    const entries = (await readCardList(trx)).map(withoutPosition);
    if (edit.action === 'add') return saveCardList(trx, actor, [...entries, { productId: edit.productId, ...edit.faces }], options);
    const { position } = edit;
    const target = position + (edit.action === 'up' ? -1 : edit.action === 'down' ? 1 : 0);
    if (entries[position]?.productId !== edit.productId || target < 0 || target >= entries.length) {
      throw new DomainError('card_list_changed', 'the card list changed in the meantime: open it again', { position, productId: String(edit.productId) });
    }
    if (edit.action === 'remove') entries.splice(position, 1);
    else if (edit.action === 'set_faces') entries[position] = { productId: edit.productId, ...edit.faces };
    else [entries[position], entries[target]] = [entries[target]!, entries[position]!];
    return saveCardList(trx, actor, entries, options);
  });
}

const entryOf = (row: CardListEntryRow): CardListEntry =>
  row.denominations !== null
    ? { position: row.position, productId: row.product_id, denominations: row.denominations.map((value) => BigInt(value)) }
    : { position: row.position, productId: row.product_id, range: { min: row.range_min_minor as bigint, max: row.range_max_minor as bigint } };

export async function readCardList(db: Kysely<DB>): Promise<CardListEntry[]> {
  const rows = await db.selectFrom('card_list_entries').selectAll().orderBy('position').execute();
  return rows.map(entryOf);
}

/** A card list entry with what its product is called and its face currency (one query for the whole list). */
export type CardListViewEntry = CardListEntry & { productName: string; faceCurrency: string; productKind: 'fixed' | 'range' };

export async function cardListView(db: Kysely<DB>): Promise<CardListViewEntry[]> {
  const rows = await db
    .selectFrom('card_list_entries as e')
    .innerJoin('catalog_products as p', 'p.id', 'e.product_id')
    .selectAll('e')
    .select(['p.name', 'p.face_currency', 'p.kind'])
    .orderBy('e.position')
    .execute();
  return rows.map((row) => ({ ...entryOf(row), productName: row.name, faceCurrency: row.face_currency, productKind: row.kind }));
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

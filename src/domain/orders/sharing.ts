// An agent hands a delivered card to its end customer (docs/product.md#the-telegram-bot): as a
// forwardable voucher (brand, value, code, PIN, the brand's redemption instructions and terms) or as
// a one-time claim link, a web page served by the api that shows the card once and expires.
// Only the order's buyer may share its cards. Every share, every claim link and every opening is
// audited; an opening tells the agent (the `card.claim_opened` event). The link's token is 256
// random bits and only its SHA-256 is stored: the database alone cannot open a card.
import { createHash, randomBytes } from 'node:crypto';
import type { Kysely } from 'kysely';
import type { AppContext } from '../../context.ts';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { money, type Money } from '../../shared/money.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import { eventMoney } from '../events.ts';
import { cardKeyring } from './card-crypto.ts';
import type { OrderCardRow } from './orders.tables.ts';
import { decryptOrderCard, formatOrderNumber, type RevealedCard } from './orders.ts';

/** What a card's customer needs besides the code: shown by the voucher and the claim page. */
export interface CardFace {
  orderNumber: string;
  /** 1-based position of the card in its order. */
  position: number;
  brand: string;
  product: string;
  logoUrl: string | null;
  face: Money;
  redemptionInstructions: string | null;
  terms: string | null;
}

export type CardVoucher = CardFace & RevealedCard;

/** The languages a voucher or a claim page can be written in (the bot's locales). */
export const SHARE_LANGUAGES = ['en', 'ar'] as const;
export type ShareLanguage = (typeof SHARE_LANGUAGES)[number];

export interface ShareRequest {
  /** 0-based, in the order `revealOrderCards` uses. */
  index: number;
  language: ShareLanguage;
}

/** The card at `index` of an order the actor bought, with what its voucher shows; anyone else's is "no such order". */
async function buyersCard(db: Kysely<DB>, actor: Actor, orderId: string, index: number): Promise<{ card: OrderCardRow; face: CardFace }> {
  const order = isUuid(orderId) ? await db.selectFrom('orders').select(['id', 'buyer_id']).where('id', '=', orderId).executeTakeFirst() : undefined;
  if (!order || actor.accountId === null || actor.accountId !== order.buyer_id) throw new DomainError('order_not_found', `no order ${orderId}`);
  const card = await db
    .selectFrom('order_cards')
    .selectAll()
    .where('order_id', '=', orderId)
    .orderBy('vendor_card_id')
    .offset(index)
    .limit(1)
    .executeTakeFirst();
  if (!card) throw new DomainError('card_not_found', `order ${orderId} has no such card`);
  return { card, face: await cardFace(db, card, index + 1) };
}

async function cardFace(db: Kysely<DB>, card: OrderCardRow, position: number): Promise<CardFace> {
  const row = await db
    .selectFrom('orders as o')
    .innerJoin('catalog_products as p', 'p.id', 'o.product_id')
    .innerJoin('catalog_brands as b', 'b.key', 'p.brand_key')
    .select(['o.number', 'o.face_minor', 'o.face_currency', 'p.name as product', 'b.name as brand', 'b.logo_url', 'b.redemption_instructions', 'b.terms'])
    .where('o.id', '=', card.order_id)
    .executeTakeFirstOrThrow();
  return {
    orderNumber: formatOrderNumber(row.number),
    position,
    brand: row.brand,
    product: row.product,
    logoUrl: row.logo_url,
    face: money(row.face_minor, row.face_currency),
    redemptionInstructions: row.redemption_instructions,
    terms: row.terms,
  };
}

/**
 * The voucher of one card for the buyer to forward to its customer (decrypted here, never stored or
 * logged by the caller); audited as `order.card_shared`.
 */
export async function shareOrderCard(ctx: Pick<AppContext, 'db' | 'config'>, actor: Actor, orderId: string, request: ShareRequest): Promise<CardVoucher> {
  const { card, face } = await buyersCard(ctx.db, actor, orderId, request.index);
  const voucher = { ...face, ...decryptOrderCard(cardKeyring(ctx.config), card) };
  await writeAudit(ctx.db, {
    actor,
    action: 'order.card_shared',
    subject: { type: 'order', id: orderId },
    after: { index: request.index, language: request.language, via: 'message' },
  });
  return voucher;
}

const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');
/** 32 random bytes in base64url, as `createCardClaim` makes them. */
const TOKEN_PATTERN = /^[A-Za-z0-9_-]{43}$/;

/** Where the api serves claim pages (api/claim-page.ts). */
export const CLAIM_PATH = '/claim';

/** Claim links need an address customers can reach: PUBLIC_URL, or in development the api's own. */
export function claimLinksAvailable(config: Pick<AppContext['config'], 'PUBLIC_URL' | 'NODE_ENV'>): boolean {
  return Boolean(config.PUBLIC_URL) || config.NODE_ENV !== 'production';
}

/** The link a customer opens: under PUBLIC_URL, else the api's own address (development). */
export function claimUrl(config: Pick<AppContext['config'], 'PUBLIC_URL' | 'HOST' | 'PORT'>, token: string): string {
  const base = config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`;
  return `${base.replace(/\/+$/, '')}${CLAIM_PATH}/${token}`;
}

export interface CardClaimLink {
  /** The secret part of the link: shown once, to the buyer, never stored. */
  token: string;
  expiresAt: Date;
  face: CardFace;
}

/** A one-time claim link for one card of the actor's order; audited as `order.card_claim_created`. */
export async function createCardClaim(ctx: Pick<AppContext, 'db' | 'config'>, actor: Actor, orderId: string, request: ShareRequest): Promise<CardClaimLink> {
  const { card, face } = await buyersCard(ctx.db, actor, orderId, request.index);
  const token = randomBytes(32).toString('base64url');
  const expiresAt = new Date(Date.now() + ctx.config.CLAIM_LINK_TTL_HOURS * 3600 * 1000);
  await withTransaction(ctx.db, async (trx) => {
    const claim = await trx
      .insertInto('card_claims')
      .values({
        token_hash: hashToken(token),
        order_card_id: card.id,
        created_by: actor.accountId as string,
        language: request.language,
        expires_at: expiresAt,
      })
      .returning('id')
      .executeTakeFirstOrThrow();
    await writeAudit(trx, {
      actor,
      action: 'order.card_claim_created',
      subject: { type: 'order', id: orderId },
      after: { index: request.index, language: request.language, claimId: claim.id, expiresAt: expiresAt.toISOString() },
    });
  });
  return { token, expiresAt, face };
}

/** What a claim link's page can say: no such link, used, expired, or ready to open (nothing secret yet). */
export type CardClaimState =
  { state: 'unknown' } | { state: 'opened' | 'expired' | 'ready'; language: ShareLanguage; face: CardFace; expiresAt: Date; openedAt: Date | null };

async function claimByToken(db: Kysely<DB>, token: string) {
  if (!TOKEN_PATTERN.test(token)) return undefined;
  return db
    .selectFrom('card_claims as c')
    .innerJoin('order_cards as oc', 'oc.id', 'c.order_card_id')
    .selectAll('oc')
    .select(['c.id as claim_id', 'c.language', 'c.expires_at as claim_expires_at', 'c.opened_at', 'c.created_by'])
    .where('c.token_hash', '=', hashToken(token))
    .executeTakeFirst();
}

type ClaimRow = NonNullable<Awaited<ReturnType<typeof claimByToken>>>;

async function positionOf(db: Kysely<DB>, card: OrderCardRow): Promise<number> {
  const row = await db
    .selectFrom('order_cards')
    .select((eb) => eb.fn.countAll<string>().as('n'))
    .where('order_id', '=', card.order_id)
    .where('vendor_card_id', '<=', card.vendor_card_id)
    .executeTakeFirstOrThrow();
  return Number(row.n);
}

const languageOf = (value: string): ShareLanguage => (SHARE_LANGUAGES as readonly string[]).find((language) => language === value) as ShareLanguage;

/** The stored card of a claim row (the columns of `order_cards`). */
function cardOf(claim: ClaimRow): OrderCardRow {
  const { claim_id: _claim, language: _language, claim_expires_at: _expires, opened_at: _opened, created_by: _creator, ...card } = claim;
  return card;
}

async function stateOf(db: Kysely<DB>, claim: ClaimRow, now: Date): Promise<Exclude<CardClaimState, { state: 'unknown' }>> {
  const card = cardOf(claim);
  const face = await cardFace(db, card, await positionOf(db, card));
  const state = claim.opened_at ? 'opened' : claim.claim_expires_at <= now ? 'expired' : 'ready';
  return { state, language: languageOf(claim.language), face, expiresAt: claim.claim_expires_at, openedAt: claim.opened_at };
}

/** The claim page before opening: reads nothing secret and changes nothing (a link preview may fetch it). */
export async function readCardClaim(db: Kysely<DB>, token: string, now = new Date()): Promise<CardClaimState> {
  const claim = await claimByToken(db, token);
  return claim ? stateOf(db, claim, now) : { state: 'unknown' };
}

/**
 * Opens a claim link: the first opening before it expires marks it opened (one conditional update,
 * so two simultaneous openings show the card once), audits it, tells the agent, and returns the
 * card; any later opening gets the link's state and no card.
 */
export async function openCardClaim(
  ctx: Pick<AppContext, 'db' | 'config' | 'events'>,
  token: string,
  request: { clientAddress?: string | undefined } = {},
): Promise<CardClaimState | { state: 'shown'; language: ShareLanguage; voucher: CardVoucher }> {
  const claim = await claimByToken(ctx.db, token);
  if (!claim) return { state: 'unknown' };
  return withTransaction(ctx.db, async (trx) => {
    const opened = await trx
      .updateTable('card_claims')
      .set({ opened_at: new Date() })
      .where('id', '=', claim.claim_id)
      .where('opened_at', 'is', null)
      .where('expires_at', '>', new Date())
      .returning('opened_at')
      .executeTakeFirst();
    const current = await stateOf(trx, { ...claim, opened_at: opened ? null : claim.opened_at }, new Date());
    if (!opened) return current.state === 'ready' ? { ...current, state: 'opened' as const } : current;
    // Decrypted before the commit: a card that cannot be decrypted leaves the link unopened.
    const voucher = { ...current.face, ...decryptOrderCard(cardKeyring(ctx.config), cardOf(claim)) };
    await writeAudit(trx, {
      actor: { accountId: null, channel: 'api' },
      action: 'order.card_claim_opened',
      subject: { type: 'order', id: claim.order_id },
      after: { claimId: claim.claim_id, position: current.face.position, ...(request.clientAddress ? { clientAddress: request.clientAddress } : {}) },
    });
    await ctx.events.record(trx, {
      type: 'card.claim_opened',
      accountId: claim.created_by,
      orderNumber: current.face.orderNumber,
      position: current.face.position,
      card: current.face.product,
      face: eventMoney(current.face.face),
      openedAt: (opened.opened_at as Date).toISOString(),
    });
    return { state: 'shown' as const, language: current.language, voucher };
  });
}

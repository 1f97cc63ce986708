// The pricing engine (docs/product.md#pricing-and-revenue-share): the one source of a buyer's price, for catalog display and for
// charging. Buyer price per card = face × (1 − discount) half up in the face currency, then converted
// to the wallet currency with the newest stored FX rate (the rate is returned so the order records
// it). For a sub-agent the platform's price is the parent agent's price; the spread above it is the
// agent's revenue share. An agent may price its sub-agent itself: a markup on its own price
// (margins.ts), which replaces the sub-agent's plan. Totals are unit prices × quantity, so refunding n cards is exact.
import Big from 'big.js';
import { sql, type Kysely } from 'kysely';
import { prepared } from '../../db/database.ts';
import type { DB } from '../../db/schema.ts';
import { withTransaction } from '../../db/transaction.ts';
import { DomainError } from '../../shared/errors.ts';
import { applyDiscountBps, formatMoney, money, parseMoney, toJsonMoney, type Money } from '../../shared/money.ts';
import { getAccount, requireAdmin, type Account } from '../accounts/accounts.ts';
import type { Actor } from '../actor.ts';
import { writeAudit } from '../audit/audit.ts';
import type { CatalogProductRow } from '../catalog/catalog.tables.ts';
import { convertWithRate, latestRates, rateKey, type StoredRate } from '../catalog/fx.ts';
import { effectiveMarkupBps } from './margins.ts';

export interface PricePlan {
  id: string;
  name: string;
  defaultDiscountBps: number;
}

function assertBps(bps: number): void {
  if (!Number.isInteger(bps) || bps <= -10_000 || bps >= 10_000) {
    throw new DomainError('invalid_discount', `a discount is whole basis points between -9999 and 9999, not ${bps}`);
  }
}

export async function createPricePlan(db: Kysely<DB>, actor: Actor, input: { name: string; defaultDiscountBps: number }): Promise<PricePlan> {
  assertBps(input.defaultDiscountBps);
  return withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    const row = await trx
      .insertInto('price_plans')
      .values({ name: input.name, default_discount_bps: input.defaultDiscountBps })
      .returningAll()
      .executeTakeFirstOrThrow()
      .catch((error: unknown) => {
        // Plan names are unique (the index decides, also between two creates at once).
        if ((error as { code?: string }).code === '23505') throw new DomainError('price_plan_name_taken', 'a price plan with this name exists');
        throw error;
      });
    const plan = { id: row.id, name: row.name, defaultDiscountBps: row.default_discount_bps };
    await writeAudit(trx, { actor, action: 'price_plan.created', subject: { type: 'price_plan', id: plan.id }, after: plan });
    return plan;
  });
}

/** Sets (or with null removes) a plan's discount for one product. */
export async function setProductDiscount(
  db: Kysely<DB>,
  actor: Actor,
  input: { planId: string; productId: number | bigint; discountBps: number | null },
): Promise<void> {
  if (input.discountBps !== null) assertBps(input.discountBps);
  await withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    await getPlan(trx, input.planId);
    const before = await trx
      .selectFrom('price_plan_discounts')
      .select('discount_bps')
      .where('plan_id', '=', input.planId)
      .where('product_id', '=', BigInt(input.productId))
      .executeTakeFirst();
    if (input.discountBps === null) {
      await trx.deleteFrom('price_plan_discounts').where('plan_id', '=', input.planId).where('product_id', '=', BigInt(input.productId)).execute();
    } else {
      await getProduct(trx, input.productId);
      await trx
        .insertInto('price_plan_discounts')
        .values({ plan_id: input.planId, product_id: BigInt(input.productId), discount_bps: input.discountBps })
        .onConflict((conflict) => conflict.columns(['plan_id', 'product_id']).doUpdateSet({ discount_bps: input.discountBps as number }))
        .execute();
    }
    await writeAudit(trx, {
      actor,
      action: 'price_plan.discount_set',
      subject: { type: 'price_plan', id: input.planId },
      before: { productId: String(input.productId), discountBps: before?.discount_bps ?? null },
      after: { productId: String(input.productId), discountBps: input.discountBps },
    });
  });
}

/** Gives one account its own plan, or sets the default plan of a role. */
export async function assignPricePlan(
  db: Kysely<DB>,
  actor: Actor,
  target: { accountId: string } | { role: 'agent' | 'sub_agent' | 'partner' },
  planId: string,
): Promise<void> {
  await withTransaction(db, async (trx) => {
    await requireAdmin(trx, actor);
    await getPlan(trx, planId);
    if ('accountId' in target) {
      const account = await getAccount(trx, target.accountId);
      if (account.role === 'admin') throw new DomainError('role_cannot_order', 'admins have no price plan');
      await trx
        .insertInto('account_price_plans')
        .values({ account_id: account.id, plan_id: planId })
        .onConflict((conflict) => conflict.column('account_id').doUpdateSet({ plan_id: planId }))
        .execute();
      await writeAudit(trx, { actor, action: 'price_plan.assigned', subject: { type: 'account', id: account.id }, after: { planId } });
    } else {
      await trx
        .insertInto('role_price_plans')
        .values({ role: target.role, plan_id: planId })
        .onConflict((conflict) => conflict.column('role').doUpdateSet({ plan_id: planId }))
        .execute();
      await writeAudit(trx, { actor, action: 'price_plan.role_default_set', subject: { type: 'role', id: target.role }, after: { planId } });
    }
  });
}

export interface PricePlanOverview extends PricePlan {
  /** Roles whose default this plan is. */
  roles: string[];
  /** Accounts with this plan as their own. */
  accounts: number;
  /** Per-product discounts, product ids as strings. */
  discounts: { productId: string; discountBps: number }[];
}

/** Every price plan with where it applies (admins: which account pays what is theirs to see). */
export async function listPricePlans(db: Kysely<DB>, actor: Actor): Promise<PricePlanOverview[]> {
  await requireAdmin(db, actor);
  // Independent reads, asked at once; accounts are counted per plan in the database, not fetched.
  const [plans, roles, accounts, discounts] = await Promise.all([
    db.selectFrom('price_plans').selectAll().orderBy('name').orderBy('id').execute(),
    db.selectFrom('role_price_plans').selectAll().execute(),
    db
      .selectFrom('account_price_plans')
      .select(['plan_id', sql<string>`count(*)`.as('count')])
      .groupBy('plan_id')
      .execute(),
    db.selectFrom('price_plan_discounts').selectAll().orderBy('product_id').execute(),
  ]);
  return plans.map((plan) => ({
    id: plan.id,
    name: plan.name,
    defaultDiscountBps: plan.default_discount_bps,
    roles: roles.filter((row) => row.plan_id === plan.id).map((row) => row.role),
    accounts: Number(accounts.find((row) => row.plan_id === plan.id)?.count ?? 0),
    discounts: discounts.filter((row) => row.plan_id === plan.id).map((row) => ({ productId: String(row.product_id), discountBps: row.discount_bps })),
  }));
}

async function getPlan(db: Kysely<DB>, planId: string) {
  const row = await db.selectFrom('price_plans').selectAll().where('id', '=', planId).executeTakeFirst();
  if (!row) throw new DomainError('price_plan_not_found', `no price plan ${planId}`);
  return row;
}

export async function getProduct(db: Kysely<DB>, productId: number | bigint): Promise<CatalogProductRow> {
  const row = await db.selectFrom('catalog_products').selectAll().where('id', '=', BigInt(productId)).executeTakeFirst();
  if (!row) throw new DomainError('product_not_found', `no product ${productId}`, { productId: String(productId) });
  return row;
}

/**
 * The discount an account gets on a product: its own plan, else its role's default plan; within the
 * plan the product's discount, else the plan default. No plan at all means face value (0 bps).
 */
export async function discountFor(db: Kysely<DB>, account: Account, productId: bigint): Promise<{ planId: string | null; discountBps: number }> {
  return (await productWithDiscount(db, account, productId)).discount;
}

/** A product row and an account's discount on it (see `discountFor`). */
export interface ProductWithDiscount {
  product: CatalogProductRow;
  discount: { planId: string | null; discountBps: number };
}

/**
 * A product and the account's discount on it (see `discountFor`) in one round trip: the account's
 * plan, else its role's; the product's discount in that plan, else the plan default.
 */
export async function productWithDiscount(db: Kysely<DB>, account: Account, productId: number | bigint): Promise<ProductWithDiscount> {
  const [found] = await productsWithDiscount(db, [{ accountId: account.id, productId }]);
  if (!found) throw new DomainError('product_not_found', `no product ${productId}`, { productId: String(productId) });
  return found;
}

// The product's columns by name, not `cp.*`: the read is a prepared statement, and a prepared
// `*` fails once the table gains a column (a migration run by another instance during a deploy).
// A missing name fails the type check where the rows become `ProductWithDiscount`s.
const PRODUCT_COLUMNS = [
  'id',
  'brand_key',
  'name',
  'kind',
  'face_currency',
  'min_face_minor',
  'max_face_minor',
  'cost_currency',
  'cost_min_minor',
  'cost_max_minor',
  'stock',
  'active',
  'vendor_modified_at',
  'created_at',
  'updated_at',
] as const;

/**
 * `productWithDiscount` for many (account, product) pairs in one round trip, by account id (the
 * role is read here, so this can run beside the read of the accounts themselves); undefined where
 * the account or the product does not exist.
 */
export async function productsWithDiscount(
  db: Kysely<DB>,
  pairs: readonly { accountId: string; productId: number | bigint }[],
): Promise<(ProductWithDiscount | undefined)[]> {
  if (pairs.length === 0) return [];
  const { rows } = await sql<
    Pick<CatalogProductRow, (typeof PRODUCT_COLUMNS)[number]> & {
      pair: bigint;
      plan_id: string | null;
      plan_default_bps: number | null;
      product_discount_bps: number | null;
    }
  >`
    ${prepared} select p.pair, ${sql.join(PRODUCT_COLUMNS.map((column) => sql.ref(`cp.${column}`)))},
      pp.id as plan_id, pp.default_discount_bps as plan_default_bps, d.discount_bps as product_discount_bps
    from unnest(${pairs.map((pair) => pair.accountId)}::uuid[], ${pairs.map((pair) => String(pair.productId))}::int8[])
      with ordinality as p(account_id, product_id, pair)
    join accounts a on a.id = p.account_id
    join catalog_products cp on cp.id = p.product_id
    left join price_plans pp on pp.id = coalesce(
      (select app.plan_id from account_price_plans app where app.account_id = a.id),
      (select rpp.plan_id from role_price_plans rpp where rpp.role = a.role))
    left join price_plan_discounts d on d.plan_id = pp.id and d.product_id = cp.id`.execute(db);
  const found: (ProductWithDiscount | undefined)[] = pairs.map(() => undefined);
  for (const { pair, plan_id: planId, plan_default_bps: planDefault, product_discount_bps: productDiscount, ...product } of rows) {
    found[Number(pair) - 1] = {
      product,
      discount: planId === null ? { planId: null, discountBps: 0 } : { planId, discountBps: productDiscount ?? planDefault ?? 0 },
    };
  }
  return found;
}

/** Validates a denomination against the synced product: the fixed value, or inside the range. */
export function assertDenomination(product: CatalogProductRow, face: Money): void {
  if (face.currency !== product.face_currency) {
    throw new DomainError('denomination_out_of_range', `product ${product.id} is sold in ${product.face_currency}, not ${face.currency}`);
  }
  if (face.amount < product.min_face_minor || face.amount > product.max_face_minor) {
    const range =
      product.kind === 'fixed'
        ? formatMoney(money(product.min_face_minor, product.face_currency))
        : `${formatMoney(money(product.min_face_minor, product.face_currency))} to ${formatMoney(money(product.max_face_minor, product.face_currency))}`;
    throw new DomainError('denomination_out_of_range', `product ${product.id} takes ${range}, not ${formatMoney(face)}`, {
      productId: String(product.id),
      min: toJsonMoney(money(product.min_face_minor, product.face_currency)),
      max: toJsonMoney(money(product.max_face_minor, product.face_currency)),
    });
  }
}

/**
 * The vendor's cost of one card of `face` (its latest synced price): the fixed price, or for a range
 * product the linear interpolation between the prices of the range's ends (half up).
 */
export function vendorUnitCost(product: CatalogProductRow, face: Money): Money {
  if (product.kind === 'fixed' || product.max_face_minor === product.min_face_minor) return money(product.cost_min_minor, product.cost_currency);
  const span = new Big((product.max_face_minor - product.min_face_minor).toString());
  const position = new Big((face.amount - product.min_face_minor).toString()).div(span);
  const cost = new Big(product.cost_min_minor.toString())
    .plus(new Big((product.cost_max_minor - product.cost_min_minor).toString()).times(position))
    .round(0, Big.roundHalfUp);
  return money(BigInt(cost.toFixed(0)), product.cost_currency);
}

export interface FxUsed {
  from: string;
  to: string;
  rate: string;
  sourceTime: Date;
}

export interface PriceQuote {
  productId: bigint;
  face: Money;
  /** The buyer's plan and its discount (not what a sub-agent with a margin pays: `markupBps` decides that). */
  planId: string | null;
  discountBps: number;
  /** A sub-agent's markup on its agent's price (margins.ts), when the agent set one. */
  markupBps: number | null;
  /** What the buyer pays per card, in the wallet currency. */
  unitPrice: Money;
  /** The platform's price per card: the buyer's, or for a sub-agent the parent agent's. */
  platformUnitPrice: Money;
  /** Sub-agent price − agent price per card, never negative; zero for everyone else. */
  revenueShareUnit: Money;
  /** Vendor cost per card converted to the wallet currency, plus ORDER_FEE: the profit guard's floor. */
  unitCostWithFee: Money;
  /** The rate that turned the face currency into the wallet currency (null when they are the same). */
  fx: FxUsed | null;
}

export interface QuoteInput {
  accountId: string;
  /** The buyer when the caller already loaded it (saves a read). */
  account?: Account;
  productId: number | bigint;
  /** The product row when the caller already read it with `discount` (`productWithDiscount`; must be `productId`'s): saves that read. */
  product?: CatalogProductRow;
  /** The account's discount on the product, read with `product`; one without the other is read again. */
  discount?: { planId: string | null; discountBps: number };
  /** Face value (denomination) in the product's currency. */
  face: Money;
  /** ORDER_FEE as a decimal in the settlement currency. */
  orderFee: { amount: string; currency: string };
}

/** The account's discount on a product, in its plan (`discountFor`). */
type Discount = ProductWithDiscount['discount'];

/**
 * Everything a set of quotes for one buyer depends on, read from the database by
 * `loadPricingFacts`: the buyer, for a sub-agent its agent, the products with both discounts, and
 * the FX rates the quotes convert with. `priceCard` prices from these alone.
 */
export interface PricingFacts {
  account: Account;
  /** A sub-agent's parent agent (whose price is the platform's); null for everyone else. */
  agent: Account | null;
  products: ReadonlyMap<bigint, ProductWithDiscount>;
  /** The agent's discount per product (sub-agents only). */
  agentDiscounts: ReadonlyMap<bigint, Discount>;
  /** The newest stored rate per currency pair (`rateKey`), undefined where none is stored. */
  rates: ReadonlyMap<string, StoredRate | undefined>;
  orderFee: Money;
  /** A sub-agent's markup on its agent's price set by the agent, inside the admins' bounds (margins.ts); null: its plan prices it. */
  markupBps: number | null;
}

const parentAgentId = (account: Account) => (account.role === 'sub_agent' && account.parentId ? account.parentId : null);

/**
 * Reads what `priceCard` needs for `accountId` and `productIds` in at most three round trips,
 * whatever the number of products: the account (unless given), the products with the account's
 * (and a sub-agent's agent's) discounts beside the agent, then every FX rate the quotes need at once.
 * Unknown products are simply absent (`priceCard` refuses them).
 */
export async function loadPricingFacts(
  db: Kysely<DB>,
  input: {
    accountId: string;
    account?: Account;
    productIds: readonly (number | bigint)[];
    /** Rows the caller already read (order intake reads them for its whole batch). */
    known?: ReadonlyMap<bigint, ProductWithDiscount>;
    orderFee: QuoteInput['orderFee'];
  },
): Promise<PricingFacts> {
  const account = input.account ?? (await getAccount(db, input.accountId));
  const agentId = parentAgentId(account);
  const ids = [...new Set(input.productIds.map((id) => BigInt(id)))];
  const unknown = ids.filter((id) => !input.known?.has(id));
  const pairs = [
    ...unknown.map((productId) => ({ accountId: account.id, productId })),
    ...(agentId ? ids.map((productId) => ({ accountId: agentId, productId })) : []),
  ];
  const [found, agent, markupBps] = await Promise.all([
    productsWithDiscount(db, pairs),
    agentId ? getAccount(db, agentId) : null,
    agentId ? subAgentMarkupBps(db, account.id, agentId) : null,
  ]);
  const products = new Map<bigint, ProductWithDiscount>();
  const agentDiscounts = new Map<bigint, Discount>();
  for (const id of ids) {
    const known = input.known?.get(id);
    if (known) products.set(id, known);
  }
  pairs.forEach((pair, position) => {
    const row = found[position];
    if (!row) return;
    if (pair.accountId === account.id && position < unknown.length) products.set(row.product.id, row);
    else agentDiscounts.set(row.product.id, row.discount);
  });
  const orderFee = parseMoney(input.orderFee.amount, input.orderFee.currency, 'half-up');
  // Every conversion a quote may make: face → wallet, cost → wallet, fee → wallet; for a
  // sub-agent also face → agent's wallet and agent's wallet → wallet.
  const wanted = [{ from: orderFee.currency, to: account.currency }];
  for (const { product } of products.values()) {
    wanted.push({ from: product.face_currency, to: account.currency }, { from: product.cost_currency, to: account.currency });
    if (agent) wanted.push({ from: product.face_currency, to: agent.currency }, { from: agent.currency, to: account.currency });
  }
  const rates = await latestRates(db, wanted);
  return { account, agent, products, agentDiscounts, rates, orderFee, markupBps };
}

/** The markup the agent set on this sub-agent, held inside the current bounds (margins.ts), or null. */
async function subAgentMarkupBps(db: Kysely<DB>, subAgentId: string, agentId: string): Promise<number | null> {
  const row = await db
    .selectFrom('sub_agent_margins as m')
    .leftJoin('margin_bounds as b', (join) => join.onTrue())
    .select(['m.markup_bps', 'b.min_bps', 'b.max_bps'])
    .where('m.sub_agent_id', '=', subAgentId)
    .where('m.agent_id', '=', agentId)
    .executeTakeFirst();
  if (!row) return null;
  return effectiveMarkupBps(row.markup_bps, { minBps: row.min_bps ?? 0, maxBps: row.max_bps ?? 0 });
}

function toCurrency(facts: PricingFacts, value: Money, currency: string): { value: Money; fx: FxUsed | null } {
  if (value.currency === currency) return { value, fx: null };
  const { converted, rate, sourceTime } = convertWithRate(value, currency, facts.rates.get(rateKey(value.currency, currency)));
  return { value: converted, fx: { from: value.currency, to: currency, rate, sourceTime } };
}

/**
 * The price of one card of `face` from facts read before: THE price computation, for an order's
 * quote (`quotePrice`) and for a catalog page (`catalogPrices`) alike, so what a buyer sees is what
 * they are charged. Throws for an unknown or inactive product, a bad denomination or a missing rate.
 */
export function priceCard(facts: PricingFacts, productId: number | bigint, face: Money): PriceQuote {
  const { account, agent } = facts;
  const found = facts.products.get(BigInt(productId));
  if (!found) throw new DomainError('product_not_found', `no product ${productId}`, { productId: String(productId) });
  const { product, discount } = found;
  if (!product.active) throw new DomainError('product_not_found', `product ${product.id} is no longer sold`, { productId: String(product.id) });
  assertDenomination(product, face);

  let own = toCurrency(facts, applyDiscountBps(face, discount.discountBps), account.currency);
  let platformUnitPrice = own.value;
  let revenueShareUnit = money(0n, account.currency);
  if (agent) {
    const agentDiscount = facts.agentDiscounts.get(product.id) ?? { planId: null, discountBps: 0 };
    const agentPrice = toCurrency(facts, applyDiscountBps(face, agentDiscount.discountBps), agent.currency);
    const { value: agentUnitPrice } = toCurrency(facts, agentPrice.value, account.currency);
    // The agent's margin replaces the sub-agent's plan: its own price plus the markup (a negative discount).
    if (facts.markupBps !== null) own = { value: applyDiscountBps(agentUnitPrice, -facts.markupBps), fx: agentPrice.fx };
    platformUnitPrice = agentUnitPrice;
    const spread = own.value.amount - agentUnitPrice.amount;
    revenueShareUnit = money(spread > 0n ? spread : 0n, account.currency);
    // With no spread the platform's price is what the sub-agent pays.
    if (spread <= 0n) platformUnitPrice = own.value;
  }
  const { value: cost } = toCurrency(facts, vendorUnitCost(product, face), account.currency);
  const { value: fee } = toCurrency(facts, facts.orderFee, account.currency);
  return {
    productId: product.id,
    face,
    planId: discount.planId,
    discountBps: discount.discountBps,
    markupBps: agent ? facts.markupBps : null,
    unitPrice: own.value,
    platformUnitPrice,
    revenueShareUnit,
    unitCostWithFee: money(cost.amount + fee.amount, account.currency),
    fx: own.fx,
  };
}

/** The price of one card of `face` for `accountId`. Throws for an unknown/inactive product or a bad denomination. */
export async function quotePrice(db: Kysely<DB>, input: QuoteInput): Promise<PriceQuote> {
  const productId = BigInt(input.productId);
  // A caller's product row is used with its discount only (both come from `productWithDiscount`);
  // otherwise both are read here.
  const known = input.product?.id === productId && input.discount ? new Map([[productId, { product: input.product, discount: input.discount }]]) : undefined;
  const facts = await loadPricingFacts(db, {
    accountId: input.accountId,
    ...(input.account ? { account: input.account } : {}),
    productIds: [productId],
    ...(known ? { known } : {}),
    orderFee: input.orderFee,
  });
  return priceCard(facts, productId, input.face);
}

/** Profit guard (docs/product.md#pricing-and-revenue-share): refused before any debit when the platform's price < vendor cost + fee. */
export function assertProfitGuard(quote: PriceQuote): void {
  if (quote.platformUnitPrice.amount < quote.unitCostWithFee.amount) {
    throw new DomainError('profit_guard', 'this card cannot be sold at this price right now', { productId: String(quote.productId) });
  }
}

export interface CatalogPrice {
  productId: bigint;
  kind: 'fixed' | 'range';
  /** Buyer's price per card at the smallest and largest face value (equal for a fixed product). */
  minPrice: Money;
  maxPrice: Money;
  /** False when the profit guard would refuse it at this moment (shown as unavailable). */
  orderable: boolean;
}

/**
 * Display prices for a page of products (at most 100): one `loadPricingFacts` for the whole page
 * (plan and discounts, products, FX rates once each), then `priceCard` for each product's smallest and
 * largest face value, the same computation an order's quote makes. Products that cannot be priced
 * now (inactive, no FX rate) are left out.
 */
export async function catalogPrices(
  db: Kysely<DB>,
  input: { accountId: string; productIds: readonly (number | bigint)[]; orderFee: QuoteInput['orderFee'] },
): Promise<CatalogPrice[]> {
  if (input.productIds.length > 100) throw new DomainError('invalid_page', 'price at most 100 products at a time');
  const facts = await loadPricingFacts(db, input);
  const prices: CatalogPrice[] = [];
  for (const id of input.productIds) {
    const product = facts.products.get(BigInt(id))?.product;
    if (!product?.active) continue;
    try {
      const low = priceCard(facts, product.id, money(product.min_face_minor, product.face_currency));
      const high = product.max_face_minor === product.min_face_minor ? low : priceCard(facts, product.id, money(product.max_face_minor, product.face_currency));
      const guarded = (q: PriceQuote) => q.platformUnitPrice.amount >= q.unitCostWithFee.amount;
      prices.push({ productId: product.id, kind: product.kind, minPrice: low.unitPrice, maxPrice: high.unitPrice, orderable: guarded(low) && guarded(high) });
    } catch (error) {
      if (error instanceof DomainError && error.code === 'fx_rate_missing') continue;
      throw error;
    }
  }
  return prices;
}

// Pricing a batch of creates (src/domain/orders/intake-batch.ts): the buyers and the products with
// their discounts read once for the batch, then each request's quote, card-list check, profit guard
// and maxPrice, every refusal kept with its request.
import { DomainError } from '../../shared/errors.ts';
import { isUuid } from '../../shared/ids.ts';
import { formatMoney, multiply, toJsonMoney, type Money } from '../../shared/money.ts';
import { settle, type Settled } from '../../shared/batcher.ts';
import { findAccounts, type AccountWithBook } from '../accounts/accounts.ts';
import { assertOnCardList } from '../pricing/card-list.ts';
import { assertProfitGuard, productsWithDiscount, quotePrice, vendorUnitCost, type PriceQuote, type ProductWithDiscount } from '../pricing/pricing.ts';
import { activeSalesPauses, pauseCovering, salesPausedError } from '../vendor/sales-pauses.ts';
import type { IntakeRequest, OrderIntakeContext } from './intake-request.ts';

/** A request that priced: its place in the batch, the buyer, the quote for one card and the total. */
export interface PricedRequest {
  index: number;
  request: IntakeRequest;
  buyer: AccountWithBook;
  quote: PriceQuote;
  total: Money;
  /** What Bamboo will charge for the order (its latest synced cost): what the order takes from the vendor float. */
  vendorCost: Money;
}

/**
 * The buyer, the quote for one card and the total of each request, every pricing refusal (unknown
 * buyer or product, a sales pause, card list, guard, maxPrice) kept with its request. The buyers,
 * the products with their discounts and the open sales pauses are read once for the batch; FX rates and a sub-agent's parent price are read
 * by `quotePrice` where they apply.
 */
export async function priceRequests(ctx: OrderIntakeContext, requests: IntakeRequest[]): Promise<Settled<Omit<PricedRequest, 'index' | 'request'>>[]> {
  // The two reads go out side by side (two pooled connections): one round trip of waiting.
  const wellFormed = requests.filter((request) => isUuid(request.input.buyerId));
  const [buyers, found, pauses] = await Promise.all([
    findAccounts(
      ctx.db,
      requests.map((request) => request.input.buyerId),
    ),
    productsWithDiscount(
      ctx.db,
      wellFormed.map((request) => ({ accountId: request.input.buyerId, productId: request.input.productId })),
    ),
    activeSalesPauses(ctx.db),
  ]);
  const products = new Map<IntakeRequest, ProductWithDiscount | undefined>(wellFormed.map((request, position) => [request, found[position]]));
  return Promise.all(
    requests.map((request) =>
      settle(async () => {
        const { input } = request;
        const buyer = buyers.get(input.buyerId);
        if (!buyer) throw new DomainError('account_not_found', `no account ${input.buyerId}`, { accountId: input.buyerId });
        if (input.actor.channel === 'telegram') await assertOnCardList(ctx.db, BigInt(input.productId), input.face.amount);
        const productAndDiscount = products.get(request);
        if (!productAndDiscount) throw new DomainError('product_not_found', `no product ${input.productId}`, { productId: String(input.productId) });
        const pause = pauseCovering(pauses, productAndDiscount.product.id, productAndDiscount.product.brand_key);
        if (pause) throw salesPausedError(pause);
        const quote = await quotePrice(ctx.db, {
          accountId: buyer.id,
          account: buyer,
          productId: input.productId,
          ...productAndDiscount,
          face: input.face,
          orderFee: request.orderFee,
        });
        assertProfitGuard(quote);
        const total = multiply(quote.unitPrice, BigInt(input.quantity));
        if (input.maxTotal && (input.maxTotal.currency !== total.currency || total.amount > input.maxTotal.amount)) {
          throw new DomainError('max_price_exceeded', `the total is ${formatMoney(total)}, above ${formatMoney(input.maxTotal)}`, {
            total: toJsonMoney(total),
            maxTotal: toJsonMoney(input.maxTotal),
          });
        }
        return { buyer, quote, total, vendorCost: multiply(vendorUnitCost(productAndDiscount.product, input.face), BigInt(input.quantity)) };
      }),
    ),
  );
}

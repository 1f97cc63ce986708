// What a margin would mean before the agent confirms it (docs/bot-flows.md, Margins): for the first
// cards of the card list, the agent's price, the sub-agent's price and the agent's share per card,
// priced by `priceCard` from the sub-agent's pricing facts with the proposed markup: the same
// computation that prices the card list and the order.
import type { Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import { money, type Money } from '../../shared/money.ts';
import type { Actor } from '../actor.ts';
import { readCardList } from './card-list.ts';
import { effectiveMarkupBps, subAgentMargin } from './margins.ts';
import { loadPricingFacts, priceCard, type QuoteInput } from './pricing.ts';

export interface MarginPreviewLine {
  product: string;
  face: Money;
  agentPrice: Money;
  subAgentPrice: Money;
  share: Money;
}

/**
 * The prices of the first `limit` card-list cards (a range card at its smallest value) for the
 * actor's sub-agent under `markupBps` (null: its plan's prices). The actor must be its agent.
 */
export async function marginPreview(
  db: Kysely<DB>,
  actor: Actor,
  input: { subAgentId: string; markupBps: number | null; orderFee: QuoteInput['orderFee']; limit?: number },
): Promise<MarginPreviewLine[]> {
  const { bounds } = await subAgentMargin(db, actor, input.subAgentId);
  const entries = (await readCardList(db)).slice(0, input.limit ?? 5);
  const facts = await loadPricingFacts(db, { accountId: input.subAgentId, productIds: entries.map((entry) => entry.productId), orderFee: input.orderFee });
  const proposed = { ...facts, markupBps: effectiveMarkupBps(input.markupBps, bounds) };
  const lines: MarginPreviewLine[] = [];
  for (const entry of entries) {
    const product = facts.products.get(entry.productId)?.product;
    if (!product?.active) continue;
    const face = money('denominations' in entry ? entry.denominations[0]! : entry.range.min, product.face_currency);
    try {
      const quote = priceCard(proposed, product.id, face);
      // The agent's own price: the sub-agent's at a zero markup (whatever prices the sub-agent now).
      const agentPrice = priceCard({ ...facts, markupBps: 0 }, product.id, face).unitPrice;
      lines.push({ product: product.name, face, agentPrice, subAgentPrice: quote.unitPrice, share: quote.revenueShareUnit });
    } catch (error) {
      if (error instanceof DomainError) continue; // not priceable now (no FX rate…): left out of the preview
      throw error;
    }
  }
  return lines;
}

// Orders waiting for an operator (`needs_attention`, docs/orders.md): Bamboo said it has no such
// order after it may have accepted it, or its card list contradicts the order. Their money stays
// held until `steller order resolve` decides. Shown by `steller order attention`,
// `GET /v1/admin/ops/orders/needs-attention` and the bot's Operations screens. Admins and the platform only.
import { sql } from 'kysely';
import type { Database } from '../db/database.ts';
import { requireAdmin } from '../domain/accounts/accounts.ts';
import type { Actor } from '../domain/actor.ts';
import { formatOrderNumber } from '../domain/orders/orders.ts';
import { money, type Money } from '../shared/money.ts';

export interface OrderNeedingAttention {
  id: string;
  number: string;
  buyerId: string;
  /** The money held for it in order clearing. */
  total: Money;
  /** Why (`vendor_lost_order`, `vendor_cards_contradict`), from its transition. */
  reason: string;
  /** What Bamboo's answer had wrong, when the card list contradicted the order. */
  problem: string | null;
  since: Date;
}

export interface OrdersNeedingAttention {
  count: number;
  /** Oldest first, at most `limit`. */
  orders: OrderNeedingAttention[];
}

export async function ordersNeedingAttention(db: Database, actor: Actor, options: { limit?: number } = {}): Promise<OrdersNeedingAttention> {
  await requireAdmin(db, actor);
  const rows = await db
    .selectFrom('orders as o')
    .select(['o.id', 'o.number', 'o.buyer_id', 'o.total_minor', 'o.currency', 'o.updated_at'])
    .select(
      sql<{
        reason?: string;
        problem?: string;
      } | null>`(select t.detail from order_transitions t where t.order_id = o.id and t.status = 'needs_attention' order by t.id desc limit 1)`.as('detail'),
    )
    .where('o.status', '=', 'needs_attention')
    .orderBy('o.updated_at')
    .limit(options.limit ?? 50)
    .execute();
  const { count } = await db
    .selectFrom('orders')
    .select(({ fn }) => fn.countAll<string>().as('count'))
    .where('status', '=', 'needs_attention')
    .executeTakeFirstOrThrow();
  return {
    count: Number(count),
    orders: rows.map((row) => ({
      id: row.id,
      number: formatOrderNumber(row.number),
      buyerId: row.buyer_id,
      total: money(row.total_minor, row.currency),
      reason: row.detail?.reason ?? 'unknown',
      problem: row.detail?.problem ?? null,
      since: row.updated_at,
    })),
  };
}

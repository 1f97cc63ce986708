// Tables of the pricing area (migrations 2026_11_28_030000_create_pricing, 2026_12_04_050100_sub_agent_margins).
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Int8 } from '../../db/schema.ts';
import type { Timestamp } from '../columns.ts';

export interface PricePlansTable {
  id: Generated<string>;
  name: string;
  default_discount_bps: number;
  created_at: Timestamp;
  updated_at: Timestamp;
}
export type PricePlanRow = Selectable<PricePlansTable>;

export interface PricePlanDiscountsTable {
  plan_id: string;
  product_id: Int8;
  discount_bps: number;
}

export interface RolePricePlansTable {
  role: 'agent' | 'sub_agent' | 'partner';
  plan_id: string;
}

export interface AccountPricePlansTable {
  account_id: string;
  plan_id: string;
}

export interface CardListEntriesTable {
  id: Generated<string>;
  position: number;
  product_id: Int8;
  /** int8[] of face minor units; pg returns the elements as strings. */
  denominations: ColumnType<(string | bigint)[] | null, string[] | null, string[] | null>;
  range_min_minor: ColumnType<bigint | null, bigint | string | null, bigint | string | null>;
  range_max_minor: ColumnType<bigint | null, bigint | string | null, bigint | string | null>;
  created_at: Timestamp;
}
export type CardListEntryRow = Selectable<CardListEntriesTable>;

/** The bounds of the markups agents may set on their sub-agents (one row; none: no markup may be set). */
export interface MarginBoundsTable {
  singleton: Generated<boolean>;
  min_bps: number;
  max_bps: number;
  updated_at: Timestamp;
}

/** A sub-agent's price set by its agent: a markup on the agent's own price (margins.ts). */
export interface SubAgentMarginsTable {
  sub_agent_id: string;
  agent_id: string;
  markup_bps: number;
  updated_at: Timestamp;
}

export interface PricingTables {
  price_plans: PricePlansTable;
  price_plan_discounts: PricePlanDiscountsTable;
  role_price_plans: RolePricePlansTable;
  account_price_plans: AccountPricePlansTable;
  card_list_entries: CardListEntriesTable;
  margin_bounds: MarginBoundsTable;
  sub_agent_margins: SubAgentMarginsTable;
}

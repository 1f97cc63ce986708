// Tables of the orders area (migrations 2026_11_28_030100_create_orders, 2026_11_29_000000 for the day totals,
// 2026_12_03_010000 for `needs_attention`, 2026_12_03_050000 for the vendor lease, 2026_12_04_060000 for the callback latency,
// 2026_12_04_050000 for the claim links of shared cards, 2026_12_05_010000 for vendor orders, 2026_12_05_020000 for carts).
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { Int8 } from '../../db/schema.ts';
import type { NullableTimestamp, Timestamp } from '../columns.ts';

// `needs_attention` (migration 2026_12_03_010000): not final, not worked on by any job; an operator
// resolves it (docs/orders.md, States).
export const ORDER_STATUSES = ['pending', 'placing', 'processing', 'completed', 'partially_completed', 'failed', 'needs_attention'] as const;
export type OrderStatus = (typeof ORDER_STATUSES)[number];
export const FINAL_STATUSES: readonly OrderStatus[] = ['completed', 'partially_completed', 'failed'];
/** Not final: still being bought, or waiting for an operator (`needs_attention`, money held). */
export const OPEN_STATUSES = ['pending', 'placing', 'processing', 'needs_attention'] as const satisfies readonly OrderStatus[];

type NullableInt8 = ColumnType<bigint | null, bigint | string | null | undefined, bigint | string | null>;

export interface OrdersTable {
  id: Generated<string>;
  number: ColumnType<bigint, undefined, never>;
  buyer_id: string;
  channel: string;
  client_reference: string;
  request_fingerprint: string;
  product_id: Int8;
  face_currency: string;
  face_minor: Int8;
  quantity: number;
  currency: string;
  unit_price_minor: Int8;
  total_minor: Int8;
  platform_unit_price_minor: Int8;
  revenue_share_unit_minor: Int8;
  discount_bps: number;
  price_plan_id: string | null;
  fx_rate: ColumnType<string | null, string | null | undefined, string | null>;
  fx_source_time: NullableTimestamp;
  status: OrderStatus;
  vendor_request_id: ColumnType<string | null, string | null | undefined, string | null>;
  vendor_order_id: NullableInt8;
  vendor_total_minor: NullableInt8;
  vendor_currency: ColumnType<string | null, string | null | undefined, string | null>;
  cards_delivered: ColumnType<number | null, number | null | undefined, number | null>;
  failure_reason: ColumnType<string | null, string | null | undefined, string | null>;
  poll_count: Generated<number>;
  deadline_at: Timestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  finished_at: NullableTimestamp;
  /** A sandbox account's order: bought from the simulator whatever the process's vendor. */
  sandbox: Generated<boolean>;
  /** Who is talking to the vendor about this order, and until when (migration 2026_12_03_050000; fulfilment.ts). */
  vendor_lease_token: ColumnType<string | null, string | null | undefined, string | null>;
  vendor_lease_until: NullableTimestamp;
  /** Ms from `processing` to Bamboo's first completion callback (migration 2026_12_04_060000; times the first poll). */
  vendor_callback_ms: ColumnType<number | null, number | null | undefined, number | null>;
  /** The vendor's cost of the order at intake and the float it draws on (migration 2026_12_04_010000; src/domain/vendor/float.ts). */
  vendor_cost_minor: NullableInt8;
  vendor_cost_currency: ColumnType<string | null, string | null | undefined, string | null>;
  float_book: ColumnType<'live' | 'sandbox' | null, 'live' | 'sandbox' | null | undefined, 'live' | 'sandbox' | null>;
  /** When the order left pending/placing bought (a trigger sets it). */
  vendor_bought_at: NullableTimestamp;
  /** When Bamboo's completion callback for it arrived. */
  vendor_callback_at: NullableTimestamp;
  /** The cart this order is an item of, and its place there (0, 1, …; migration 2026_12_05_020000; carts.ts). */
  group_id: ColumnType<string | null, string | null | undefined, string | null>;
  group_position: ColumnType<number | null, number | null | undefined, number | null>;
  /** When its place job was first told to wait for a checkout turn; from then on it may be coalesced (migration 2026_12_05_010000). */
  checkout_waiting_since: NullableTimestamp;
}
export type OrderRow = Selectable<OrdersTable>;

export interface OrderTransitionsTable {
  id: Generated<bigint>;
  order_id: string;
  status: string;
  detail: ColumnType<unknown, string | null | undefined, never>;
  at: Timestamp;
}

export interface OrderCardsTable {
  id: Generated<string>;
  order_id: string;
  vendor_card_id: Int8;
  serial_number: string | null;
  code_encrypted: string | null;
  pin_encrypted: string | null;
  key_id: string;
  expires_at: NullableTimestamp;
  created_at: Timestamp;
}
export type OrderCardRow = Selectable<OrderCardsTable>;

export interface RiskLimitsTable {
  id: Generated<bigint>;
  role: string | null;
  account_id: string | null;
  daily_spend_minor: NullableInt8;
  daily_order_count: number | null;
  /** The largest single order (migration 2026_12_04_020000). */
  max_order_minor: NullableInt8;
  updated_at: Timestamp;
}

/** Per account and UTC day: the spend and count of the day's orders that did not fail (migration 2026_11_29_000000). */
export interface OrderDayTotalsTable {
  account_id: string;
  /** A UTC day, 'YYYY-MM-DD' (pg returns date as a Date at local midnight; compare with SQL). */
  day: ColumnType<Date, string, string>;
  spend_minor: Int8;
  order_count: number;
}

/** A one-time claim link for one delivered card (sharing.ts); the token itself is never stored. */
export interface CardClaimsTable {
  id: Generated<string>;
  /** SHA-256 of the link’s token, hex. */
  token_hash: string;
  order_card_id: string;
  created_by: string;
  /** The page's language (a bot locale: en, ar). */
  language: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  opened_at: NullableTimestamp;
}

export const ORDER_MESSAGE_KINDS = ['card', 'cards_csv', 'failed', 'partly_delivered'] as const;
export type OrderMessageKind = (typeof ORDER_MESSAGE_KINDS)[number];

/** A Telegram message that told the buyer how the order ended (migration 2026_12_04_070000; order-messages.ts). Never a card code. */
export interface OrderMessagesTable {
  id: ColumnType<bigint, never, never>;
  order_id: string;
  /** The message's place among the order's messages (0, 1, …): unique per order, so an event is told once. */
  position: number;
  kind: OrderMessageKind;
  /** For a card message: which card of the order (0-based). */
  card_index: number | null;
  chat_id: string;
  queued_at: Timestamp;
  sent_at: NullableTimestamp;
  /** Telegram refused it for good (blocked, chat gone): why. */
  undeliverable: ColumnType<string | null, string | null | undefined, string | null>;
}

/** One line of a status message: a text key of the bot's locale files and its variables. */
export interface StatusLine {
  key: string;
  vars: Record<string, string | number>;
}

/** The bot message that accepted an order or a cart, kept up to date while its orders wait (migration 2026_12_06_010000; queue-messages.ts). */
export interface OrderStatusMessagesTable {
  id: ColumnType<bigint, never, never>;
  chat_id: string;
  message_id: number;
  locale: string | null;
  /** Its first line as the bot wrote it. */
  header: ColumnType<StatusLine, string, string>;
  order_ids: ColumnType<string[], string[], never>;
  /** The status lines last written into it; null while it was never edited. */
  shown: ColumnType<StatusLine[] | null, string | null | undefined, string | null>;
  edited_at: NullableTimestamp;
  /** Nothing more will be written into it: its orders are final and it says so, or they never waited. */
  closed_at: NullableTimestamp;
  created_at: Generated<Date>;
}

/** A cart: several orders (its items, `orders.group_id`) created and held together (migration 2026_12_05_020000; carts.ts). */
export interface OrderGroupsTable {
  id: Generated<string>;
  number: ColumnType<bigint, undefined, never>;
  buyer_id: string;
  channel: string;
  client_reference: string;
  request_fingerprint: string;
  currency: string;
  /** What the items held together, in the wallet currency. */
  total_minor: Int8;
  item_count: number;
  created_at: Timestamp;
}
export type OrderGroupRow = Selectable<OrderGroupsTable>;

/** What was sent to Bamboo under one RequestId: the cards of one or more buyers' orders (migration 2026_12_05_010000; vendor-orders.ts). */
export interface VendorOrdersTable {
  id: Generated<string>;
  request_id: string;
  product_id: Int8;
  face_minor: Int8;
  face_currency: string;
  sandbox: boolean;
  /** The members' quantities added up: what Place Order asked for. */
  quantity: number;
  created_at: Generated<Date>;
}

/** A buyer's order in a vendor order (one at most: `order_id` is unique); `position` 0 is the oldest, served first. */
export interface VendorOrderMembersTable {
  vendor_order_id: string;
  order_id: string;
  position: number;
}

export interface OrdersTables {
  order_groups: OrderGroupsTable;
  orders: OrdersTable;
  vendor_orders: VendorOrdersTable;
  vendor_order_members: VendorOrderMembersTable;
  order_transitions: OrderTransitionsTable;
  order_cards: OrderCardsTable;
  risk_limits: RiskLimitsTable;
  order_day_totals: OrderDayTotalsTable;
  card_claims: CardClaimsTable;
  order_messages: OrderMessagesTable;
  order_status_messages: OrderStatusMessagesTable;
}

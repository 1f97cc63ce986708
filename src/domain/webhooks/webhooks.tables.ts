// Tables of the webhooks area (migration 2026_11_28_050100_create_webhooks).
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../columns.ts';

export type WebhookEventStatus = 'pending' | 'delivered' | 'retrying' | 'dead' | 'no_endpoint';

export interface WebhookEndpointsTable {
  account_id: string;
  url: string;
  secret: string;
  previous_secret: string | null;
  previous_secret_expires_at: NullableTimestamp;
  created_at: Timestamp;
  updated_at: Timestamp;
  /** The first failed attempt since the last success or URL change (migration 2026_12_04_030000); null when not failing. */
  failing_since: NullableTimestamp;
  /** When the partner was told the endpoint had been failing for an hour; null until then in this spell. */
  failing_notified_at: NullableTimestamp;
}
export type WebhookEndpointRow = Selectable<WebhookEndpointsTable>;

export interface WebhookEventsTable {
  id: Generated<string>;
  account_id: string;
  type: string;
  payload: ColumnType<Record<string, unknown>, string, string>;
  status: Generated<WebhookEventStatus>;
  attempts: Generated<number>;
  last_attempt_at: NullableTimestamp;
  last_response_status: number | null;
  last_error: string | null;
  delivered_at: NullableTimestamp;
  queued_at: NullableTimestamp;
  /** Names the change reported (migration 2026_11_28_070000): one event per account and key. */
  dedupe_key: ColumnType<string | null, string | null | undefined, never>;
  created_at: Timestamp;
}
export type WebhookEventRow = Selectable<WebhookEventsTable>;

export interface WebhooksTables {
  webhook_endpoints: WebhookEndpointsTable;
  webhook_events: WebhookEventsTable;
}

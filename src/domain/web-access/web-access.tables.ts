// Tables of the web app's sign-in (migration 2026_12_04_040000_create_web_sign_in; docs/web.md).
import type { Generated, Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../columns.ts';

export interface WebSessionsTable {
  id: Generated<string>;
  /** HMAC of the cookie's token: the table alone signs nobody in. */
  token_hash: string;
  /** The token every form and htmx request of this session carries (CSRF). */
  csrf_token: string;
  /** The admin's or agent's account; for a partner user, their partner. */
  account_id: string;
  partner_user_id: string | null;
  created_at: Timestamp;
  expires_at: Timestamp;
  last_seen_at: Timestamp;
}
export type WebSessionRow = Selectable<WebSessionsTable>;

export interface WebLoginLinksTable {
  id: Generated<string>;
  token_hash: string;
  account_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

/** A password-reset link sent by email (migration 2026_12_05_030000): the HMAC of its token, used once. */
export interface WebPasswordResetsTable {
  id: Generated<string>;
  token_hash: string;
  partner_user_id: string;
  created_at: Timestamp;
  expires_at: Timestamp;
  used_at: NullableTimestamp;
}

export interface WebAccessTables {
  web_sessions: WebSessionsTable;
  web_login_links: WebLoginLinksTable;
  web_password_resets: WebPasswordResetsTable;
}

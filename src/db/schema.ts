// The database as Kysely sees it. Hand-kept: each area declares its tables next to its code
// (`<area>.tables.ts`) and DB below extends them all. Money columns are int8 and arrive as bigint.
import type { ColumnType, Generated, Selectable } from 'kysely';
import type { AccountsTables } from '../domain/accounts/accounts.tables.ts';
import type { AuditTables } from '../domain/audit/audit.tables.ts';
import type { FundingTables } from '../domain/funding/funding.tables.ts';
import type { LedgerTables } from '../domain/ledger/ledger.tables.ts';
import type { RevenueShareTables } from '../domain/revenue-share/revenue-share.tables.ts';
import type { CatalogTables } from '../domain/catalog/catalog.tables.ts';
import type { ApiKeysTables } from '../domain/api-keys/api-keys.tables.ts';
import type { WebhooksTables } from '../domain/webhooks/webhooks.tables.ts';
import type { PricingTables } from '../domain/pricing/pricing.tables.ts';
import type { OrdersTables } from '../domain/orders/orders.tables.ts';
import type { GrowthTables } from '../domain/growth/growth.tables.ts';
import type { RequestLogsTables } from '../domain/request-logs/request-logs.tables.ts';
import type { SignupsTables } from '../domain/signups/signups.tables.ts';
import type { PartnerUsersTables } from '../domain/partner-users/partner-users.tables.ts';
import type { OpsTables } from '../domain/ops/ops.tables.ts';
import type { VendorTables } from '../domain/vendor/vendor.tables.ts';
import type { WebAccessTables } from '../domain/web-access/web-access.tables.ts';

export type Timestamp = ColumnType<Date, Date | string | undefined, Date | string>;
/** int8 money/count columns: bigint out, bigint or decimal string in. */
export type Int8 = ColumnType<bigint, bigint | string | number, bigint | string | number>;

export interface AppMetaTable {
  key: string;
  value: ColumnType<unknown, string, string>;
  updated_at: Generated<Timestamp>;
}
export type AppMetaRow = Selectable<AppMetaTable>;

export interface KvStoreTable {
  key: string;
  value: string;
  expires_at: Date | null;
  updated_at: Generated<Timestamp>;
}

/** Generations of what read caches hold, bumped by triggers with every change (src/db/generations.ts). */
export interface CacheGenerationsTable {
  name: 'pricing' | 'api_keys';
  generation: bigint;
}

export interface CoreTables {
  app_meta: AppMetaTable;
  kv_store: KvStoreTable;
  cache_generations: CacheGenerationsTable;
}

export interface DB
  extends
    CoreTables,
    AccountsTables,
    LedgerTables,
    AuditTables,
    FundingTables,
    RevenueShareTables,
    CatalogTables,
    ApiKeysTables,
    WebhooksTables,
    PricingTables,
    OrdersTables,
    GrowthTables,
    RequestLogsTables,
    SignupsTables,
    PartnerUsersTables,
    OpsTables,
    VendorTables,
    WebAccessTables {}

// FX rates from Bamboo (hourly, OpenExchange-based), stored with the time we fetched them. A
// conversion uses the newest stored rate and returns it, so the caller records what it used.
import Big from 'big.js';
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { BambooClient } from '../../integrations/bamboo/index.ts';
import { convert, type Money } from '../../shared/money.ts';
import { DomainError } from '../../shared/errors.ts';

export interface FxSyncDeps {
  db: Database;
  vendor: Pick<BambooClient, 'getExchangeRates'>;
  now?: () => Date;
}

/** Fetches every rate from `baseCurrency` (USD by default) and stores it. */
export async function syncFxRates(deps: FxSyncDeps, options: { baseCurrency?: string } = {}): Promise<{ stored: number; sourceTime: Date }> {
  const sourceTime = (deps.now ?? (() => new Date()))();
  const { baseCurrency, rates } = await deps.vendor.getExchangeRates({ baseCurrency: options.baseCurrency ?? 'USD' });
  const rows = rates
    .filter((rate) => new Big(rate.rate).gt(0) && rate.currency !== baseCurrency)
    .map((rate) => ({ base_currency: baseCurrency, quote_currency: rate.currency, rate: rate.rate, source_time: sourceTime, source: 'bamboo' }));
  if (rows.length > 0) {
    await deps.db
      .insertInto('fx_rates')
      .values(rows)
      .onConflict((conflict) => conflict.columns(['base_currency', 'quote_currency', 'source_time']).doNothing())
      .execute();
  }
  return { stored: rows.length, sourceTime };
}

export interface StoredRate {
  /** 1 `from` = `rate` `to`, a decimal string. */
  rate: string;
  sourceTime: Date;
}

/** The newest stored rate from → to, directly or as the inverse of to → from (10 decimals). */
export async function latestRate(db: Database, from: string, to: string): Promise<StoredRate | undefined> {
  if (from === to) return { rate: '1', sourceTime: new Date(0) };
  const row = await db
    .selectFrom('fx_rates')
    .select(['base_currency', 'rate', 'source_time'])
    .where((eb) =>
      eb.or([eb.and([eb('base_currency', '=', from), eb('quote_currency', '=', to)]), eb.and([eb('base_currency', '=', to), eb('quote_currency', '=', from)])]),
    )
    .orderBy('source_time', 'desc')
    .orderBy(sql`base_currency = ${from}`, 'desc')
    .limit(1)
    .executeTakeFirst();
  if (!row) return undefined;
  const rate = row.base_currency === from ? new Big(row.rate).toFixed() : new Big(1).div(row.rate).round(10, Big.roundHalfUp).toFixed();
  return { rate, sourceTime: row.source_time };
}

/** Converts with the newest stored rate (half up to minor units) and returns the rate used. */
export async function convertWithStoredRate(db: Database, value: Money, to: string): Promise<{ converted: Money } & StoredRate> {
  const stored = await latestRate(db, value.currency, to);
  if (!stored) throw new DomainError('fx_rate_missing', `no stored exchange rate from ${value.currency} to ${to}`, { from: value.currency, to });
  return { converted: convert(value, stored.rate, to), ...stored };
}

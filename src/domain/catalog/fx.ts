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
  return (await latestRates(db, [{ from, to }])).get(rateKey(from, to));
}

/** How `latestRates` names a pair in its answer. */
export const rateKey = (from: string, to: string) => `${from}>${to}`;

/**
 * `latestRate` for many pairs in one round trip: the answer has every pair asked for, undefined
 * where no rate is stored. Same currency: rate 1.
 */
export async function latestRates(db: Database, pairs: readonly { from: string; to: string }[]): Promise<Map<string, StoredRate | undefined>> {
  const found = new Map<string, StoredRate | undefined>();
  const asked = new Map<string, { from: string; to: string }>();
  for (const pair of pairs) {
    if (pair.from === pair.to) found.set(rateKey(pair.from, pair.to), { rate: '1', sourceTime: new Date(0) });
    else asked.set(rateKey(pair.from, pair.to), pair);
  }
  if (asked.size === 0) return found;
  const wanted = [...asked.values()];
  const { rows } = await sql<{ pair: bigint; base_currency: string | null; rate: string | null; source_time: Date | null }>`
    select p.pair, r.base_currency, r.rate, r.source_time
    from unnest(${wanted.map((pair) => pair.from)}::text[], ${wanted.map((pair) => pair.to)}::text[]) with ordinality as p(from_currency, to_currency, pair)
    left join lateral (
      select f.base_currency, f.rate, f.source_time from fx_rates f
      where (f.base_currency = p.from_currency and f.quote_currency = p.to_currency)
         or (f.base_currency = p.to_currency and f.quote_currency = p.from_currency)
      order by f.source_time desc, f.base_currency = p.from_currency desc
      limit 1) r on true`.execute(db);
  for (const row of rows) {
    const { from, to } = wanted[Number(row.pair) - 1]!;
    if (row.rate === null || row.source_time === null) {
      found.set(rateKey(from, to), undefined);
      continue;
    }
    const rate = row.base_currency === from ? new Big(row.rate).toFixed() : new Big(1).div(row.rate).round(10, Big.roundHalfUp).toFixed();
    found.set(rateKey(from, to), { rate, sourceTime: row.source_time });
  }
  return found;
}

/** Converts with the newest stored rate (half up to minor units) and returns the rate used. */
export async function convertWithStoredRate(db: Database, value: Money, to: string): Promise<{ converted: Money } & StoredRate> {
  return convertWithRate(value, to, await latestRate(db, value.currency, to));
}

/** Converts with a rate read before (`latestRates`; half up to minor units); `fx_rate_missing` without one. */
export function convertWithRate(value: Money, to: string, stored: StoredRate | undefined): { converted: Money } & StoredRate {
  if (!stored) throw new DomainError('fx_rate_missing', `no stored exchange rate from ${value.currency} to ${to}`, { from: value.currency, to });
  return { converted: convert(value, stored.rate, to), ...stored };
}

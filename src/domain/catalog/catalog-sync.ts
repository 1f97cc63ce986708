// Catalog sync: copies Bamboo's v2 catalog into our tables.
// - Full sync pages through the whole catalog at the limiter's pace. Each page is stored with the
//   run (catalog_sync_pages), so a run that stops (429 with a long wait, an error, a crash) resumes
//   from the next page. Only the final step touches the live tables, in one transaction: upsert
//   brands, products, categories and mark products that vanished inactive. Until then the last good
//   catalog stays as it is.
// - Delta sync asks for products modified since the day the last successful run started and
//   applies them in one transaction. It cannot see removals; the next full sync does.
import { sql } from 'kysely';
import type { Database } from '../../db/database.ts';
import type { BambooClient, CatalogBrand } from '../../integrations/bamboo/index.ts';
import type { Logger } from '../../logger.ts';
import { DomainError } from '../../shared/errors.ts';
import type { CatalogSyncRunRow } from './catalog.tables.ts';

export type SyncMode = 'auto' | 'full' | 'delta';

export interface CatalogSyncDeps {
  db: Database;
  vendor: Pick<BambooClient, 'getCatalogPage' | 'catalogPages' | 'getCategories'>;
  logger?: Logger;
  now?: () => Date;
}

export interface CatalogSyncOptions {
  mode?: SyncMode;
  pageSize?: number;
  /** A full run still `running` after this long is abandoned and a new one starts (default 6 h). */
  staleRunMs?: number;
  /** `auto` runs a full sync when the last successful one is older than this (default 24 h). */
  fullEveryMs?: number;
  onProgress?: (progress: { runId: string; kind: 'full' | 'delta'; pagesDone: number; totalPages: number | null }) => void;
  /** Stops between pages (a worker shutting down); a full run stays resumable. */
  signal?: AbortSignal;
}

export interface SyncSummary {
  runId: string;
  kind: 'full' | 'delta';
  pages: number;
  productsSeen: number;
  added: number;
  changed: number;
  removed: number;
}

/** A brand as stored between pages: JSON-safe (amounts in minor units as strings). */
interface StagedBrand {
  key: string;
  name: string;
  countryCode: string;
  currency: string;
  description: string | null;
  disclaimer: string | null;
  redemptionInstructions: string | null;
  terms: string | null;
  logoUrl: string | null;
  categoryIds: number[];
  modifiedAt: string | null;
  products: StagedProduct[];
}

interface StagedProduct {
  id: number;
  name: string;
  faceCurrency: string;
  minFace: string;
  maxFace: string;
  costCurrency: string;
  costMin: string;
  costMax: string;
  stock: number | null;
  modifiedAt: string | null;
}

const DAY_MS = 86_400_000;

/** Half the catalog gone at once is far likelier a truncated answer than a real change. */
export class CatalogShrankError extends DomainError {
  constructor(active: number, seen: number) {
    super('catalog_shrank', `the vendor catalog shrank from ${active} to ${seen} products in one run; not applied`, { active, seen });
  }
}
const CHUNK = 1000;

function stage(brand: CatalogBrand): StagedBrand {
  return {
    key: brand.internalId ?? `${brand.name}|${brand.countryCode}|${brand.currencyCode}`,
    name: brand.name,
    countryCode: brand.countryCode,
    currency: brand.currencyCode,
    description: brand.description,
    disclaimer: brand.disclaimer,
    redemptionInstructions: brand.redemptionInstructions,
    terms: brand.terms,
    logoUrl: brand.logoUrl,
    categoryIds: brand.categories.map((category) => category.id),
    modifiedAt: brand.modifiedAt?.toISOString() ?? null,
    products: brand.products.map((product) => ({
      id: product.id,
      name: product.name,
      faceCurrency: product.faceValue.min.currency,
      minFace: product.faceValue.min.amount.toString(),
      maxFace: product.faceValue.max.amount.toString(),
      costCurrency: product.price.min.currency,
      costMin: product.price.min.amount.toString(),
      costMax: product.price.max.amount.toString(),
      stock: product.stock,
      modifiedAt: product.modifiedAt?.toISOString() ?? null,
    })),
  };
}

const errorText = (error: unknown) => (error instanceof Error ? `${error.name}: ${error.message}` : String(error));

export async function syncCatalog(deps: CatalogSyncDeps, options: CatalogSyncOptions = {}): Promise<SyncSummary> {
  const now = deps.now ?? (() => new Date());
  const mode = options.mode ?? 'auto';
  const running = await deps.db
    .selectFrom('catalog_sync_runs')
    .selectAll()
    .where('kind', '=', 'full')
    .where('status', '=', 'running')
    .orderBy('id', 'desc')
    .executeTakeFirst();
  let resumable: CatalogSyncRunRow | undefined = running;
  if (running && now().getTime() - running.started_at.getTime() > (options.staleRunMs ?? 6 * 3_600_000)) {
    await finishFailed(deps, running.id, 'abandoned: no progress for too long; a new full sync starts', now);
    resumable = undefined;
  }
  if (mode === 'delta' || (mode === 'auto' && !resumable)) {
    const lastGood = await deps.db
      .selectFrom('catalog_sync_runs')
      .select(['kind', 'started_at'])
      .where('status', '=', 'succeeded')
      .orderBy('started_at', 'desc')
      .execute();
    const lastFull = lastGood.find((run) => run.kind === 'full');
    const fullIsRecent = lastFull && now().getTime() - lastFull.started_at.getTime() < (options.fullEveryMs ?? DAY_MS);
    if (lastGood[0] && (mode === 'delta' || fullIsRecent)) return deltaSync(deps, options, lastGood[0].started_at, now);
  }
  return fullSync(deps, options, resumable, now);
}

async function fullSync(deps: CatalogSyncDeps, options: CatalogSyncOptions, resume: CatalogSyncRunRow | undefined, now: () => Date): Promise<SyncSummary> {
  let pageSize = resume?.page_size ?? options.pageSize ?? 100;
  const run =
    resume ??
    (await deps.db.insertInto('catalog_sync_runs').values({ kind: 'full', status: 'running', started_at: now() }).returningAll().executeTakeFirstOrThrow());
  const runId = String(run.id);
  let pageIndex = run.next_page;
  let totalPages = run.total_pages;
  deps.logger?.info({ runId, fromPage: pageIndex }, resume ? 'catalog full sync resumed' : 'catalog full sync started');
  try {
    for (;;) {
      if (totalPages !== null && pageIndex >= totalPages) break;
      options.signal?.throwIfAborted();
      const page = await deps.vendor.getCatalogPage({ pageIndex, pageSize });
      if (page.pageSize !== pageSize) {
        // Bamboo capped the page size: page indexes only line up if we use its size from page 0.
        if (pageIndex !== 0) throw new Error(`Bamboo changed the page size mid-run (${pageSize} → ${page.pageSize})`);
        pageSize = page.pageSize;
      }
      totalPages = Math.max(1, Math.ceil(page.totalBrands / pageSize));
      if (page.skipped.length > 0) deps.logger?.warn({ runId, page: pageIndex, skipped: page.skipped }, 'catalog products skipped: unreadable amounts');
      const staged = page.brands.map(stage);
      const isLast = page.brands.length < pageSize || pageIndex + 1 >= totalPages;
      if (isLast) totalPages = pageIndex + 1;
      await deps.db.transaction().execute(async (trx) => {
        await trx
          .insertInto('catalog_sync_pages')
          .values({ run_id: run.id, page_index: pageIndex, brands: JSON.stringify(staged) })
          .onConflict((conflict) => conflict.columns(['run_id', 'page_index']).doUpdateSet({ brands: JSON.stringify(staged) }))
          .execute();
        await trx
          .updateTable('catalog_sync_runs')
          .set({ next_page: pageIndex + 1, total_pages: totalPages, page_size: pageSize, pages: sql`pages + 1` })
          .where('id', '=', run.id)
          .execute();
      });
      pageIndex += 1;
      options.onProgress?.({ runId, kind: 'full', pagesDone: pageIndex, totalPages });
      if (isLast) break;
    }
    const categories = await deps.vendor.getCategories();
    return await commitFullRun(deps, run.id, categories, now);
  } catch (error) {
    if (error instanceof CatalogShrankError) {
      // Resuming would apply the same pages again: drop them, the next run fetches afresh.
      await finishFailed(deps, run.id, error.message, now);
      throw error;
    }
    // The run stays `running` with its pages: the next attempt resumes from `next_page`.
    await recordError(deps, run.id, error, now);
    deps.logger?.warn({ runId, page: pageIndex, err: error }, 'catalog full sync paused by an error; it resumes on the next run');
    throw error;
  }
}

async function commitFullRun(
  deps: CatalogSyncDeps,
  runId: bigint,
  categories: { id: number; name: string; description: string | null }[],
  now: () => Date,
): Promise<SyncSummary> {
  return deps.db.transaction().execute(async (trx) => {
    const pages = await trx.selectFrom('catalog_sync_pages').select(['brands']).where('run_id', '=', runId).orderBy('page_index').execute();
    const brands = pages.flatMap((page) => page.brands as StagedBrand[]);
    if (categories.length > 0) {
      await trx
        .insertInto('catalog_categories')
        .values(categories.map((category) => ({ id: category.id, name: category.name, description: category.description })))
        .onConflict((conflict) =>
          conflict.column('id').doUpdateSet((eb) => ({ name: eb.ref('excluded.name'), description: eb.ref('excluded.description'), updated_at: sql`now()` })),
        )
        .execute();
    }
    const seen = brands.flatMap((brand) => brand.products.map((product) => String(product.id)));
    const active = await trx
      .selectFrom('catalog_products')
      .select((eb) => eb.fn.countAll<string>().as('n'))
      .where('active', '=', true)
      .executeTakeFirstOrThrow();
    if (Number(active.n) >= 100 && seen.length < Number(active.n) / 2) {
      throw new CatalogShrankError(Number(active.n), seen.length);
    }
    const counts = await applyBrands(trx, brands, now);
    const removed = await trx
      .updateTable('catalog_products')
      .set({ active: false, updated_at: now() })
      .where('active', '=', true)
      .where(sql<boolean>`not (id = any(${sql.val(seen)}::bigint[]))`)
      .executeTakeFirst();
    const summary: SyncSummary = {
      runId: String(runId),
      kind: 'full',
      pages: pages.length,
      productsSeen: seen.length,
      added: counts.added,
      changed: counts.changed,
      removed: Number(removed.numUpdatedRows),
    };
    await trx
      .updateTable('catalog_sync_runs')
      .set({
        status: 'succeeded',
        finished_at: now(),
        products_seen: summary.productsSeen,
        products_added: summary.added,
        products_changed: summary.changed,
        products_removed: summary.removed,
      })
      .where('id', '=', runId)
      .execute();
    await trx.deleteFrom('catalog_sync_pages').where('run_id', '=', runId).execute();
    deps.logger?.info(summary, 'catalog full sync committed');
    return summary;
  });
}

async function deltaSync(deps: CatalogSyncDeps, options: CatalogSyncOptions, since: Date, now: () => Date): Promise<SyncSummary> {
  const pageSize = options.pageSize ?? 100;
  // Bamboo filters by whole days and does not say whether "after" includes the day given: asking
  // from the day before the last good run started overlaps a little and never misses a change.
  const modifiedSince = new Date(since.getTime() - DAY_MS).toISOString().slice(0, 10);
  const run = await deps.db
    .insertInto('catalog_sync_runs')
    .values({ kind: 'delta', status: 'running', modified_since: modifiedSince, started_at: now() })
    .returningAll()
    .executeTakeFirstOrThrow();
  const runId = String(run.id);
  try {
    const brands: StagedBrand[] = [];
    let pages = 0;
    for await (const page of deps.vendor.catalogPages({ modifiedSince, pageSize })) {
      options.signal?.throwIfAborted();
      brands.push(...page.brands.map(stage));
      pages += 1;
      options.onProgress?.({ runId, kind: 'delta', pagesDone: pages, totalPages: Math.max(1, Math.ceil(page.totalBrands / pageSize)) });
    }
    return await deps.db.transaction().execute(async (trx) => {
      const counts = await applyBrands(trx, brands, now);
      const summary: SyncSummary = {
        runId,
        kind: 'delta',
        pages,
        productsSeen: brands.reduce((sum, brand) => sum + brand.products.length, 0),
        added: counts.added,
        changed: counts.changed,
        removed: 0,
      };
      await trx
        .updateTable('catalog_sync_runs')
        .set({
          status: 'succeeded',
          finished_at: now(),
          pages,
          products_seen: summary.productsSeen,
          products_added: summary.added,
          products_changed: summary.changed,
        })
        .where('id', '=', run.id)
        .execute();
      deps.logger?.info(summary, 'catalog delta sync committed');
      return summary;
    });
  } catch (error) {
    await recordError(deps, run.id, error, now);
    await finishFailed(deps, run.id, undefined, now);
    throw error;
  }
}

/** Upserts brands and their products; counts products new to us and products whose data changed. */
async function applyBrands(trx: Database, brands: StagedBrand[], now: () => Date): Promise<{ added: number; changed: number }> {
  const updatedAt = now();
  const uniqueBrands = [...new Map(brands.map((brand) => [brand.key, brand])).values()];
  for (let start = 0; start < uniqueBrands.length; start += CHUNK) {
    await trx
      .insertInto('catalog_brands')
      .values(
        uniqueBrands.slice(start, start + CHUNK).map((brand) => ({
          key: brand.key,
          name: brand.name,
          country_code: brand.countryCode,
          currency: brand.currency,
          description: brand.description,
          disclaimer: brand.disclaimer,
          redemption_instructions: brand.redemptionInstructions,
          terms: brand.terms,
          logo_url: brand.logoUrl,
          category_ids: brand.categoryIds,
          vendor_modified_at: brand.modifiedAt,
          updated_at: updatedAt,
        })),
      )
      .onConflict((conflict) =>
        conflict.column('key').doUpdateSet((eb) => ({
          name: eb.ref('excluded.name'),
          country_code: eb.ref('excluded.country_code'),
          currency: eb.ref('excluded.currency'),
          description: eb.ref('excluded.description'),
          disclaimer: eb.ref('excluded.disclaimer'),
          redemption_instructions: eb.ref('excluded.redemption_instructions'),
          terms: eb.ref('excluded.terms'),
          logo_url: eb.ref('excluded.logo_url'),
          category_ids: eb.ref('excluded.category_ids'),
          vendor_modified_at: eb.ref('excluded.vendor_modified_at'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }

  const products = [...new Map(brands.flatMap((brand) => brand.products.map((product) => [product.id, { brand, product }] as const))).values()];
  const existing = new Map<string, string>();
  for (let start = 0; start < products.length; start += CHUNK) {
    const ids = products.slice(start, start + CHUNK).map(({ product }) => String(product.id));
    const rows = await trx
      .selectFrom('catalog_products')
      .selectAll()
      .where(sql<boolean>`id = any(${sql.val(ids)}::bigint[])`)
      .execute();
    for (const row of rows) {
      existing.set(
        String(row.id),
        fingerprint(
          row.brand_key,
          row.name,
          row.face_currency,
          String(row.min_face_minor),
          String(row.max_face_minor),
          row.cost_currency,
          String(row.cost_min_minor),
          String(row.cost_max_minor),
          row.stock,
          row.active,
        ),
      );
    }
  }
  let added = 0;
  let changed = 0;
  const rows = products.map(({ brand, product }) => {
    const before = existing.get(String(product.id));
    const after = fingerprint(
      brand.key,
      product.name,
      product.faceCurrency,
      product.minFace,
      product.maxFace,
      product.costCurrency,
      product.costMin,
      product.costMax,
      product.stock,
      true,
    );
    if (before === undefined) added += 1;
    else if (before !== after) changed += 1;
    return {
      id: String(product.id),
      brand_key: brand.key,
      name: product.name,
      kind: product.minFace === product.maxFace ? ('fixed' as const) : ('range' as const),
      face_currency: product.faceCurrency,
      min_face_minor: product.minFace,
      max_face_minor: product.maxFace,
      cost_currency: product.costCurrency,
      cost_min_minor: product.costMin,
      cost_max_minor: product.costMax,
      stock: product.stock,
      active: true,
      vendor_modified_at: product.modifiedAt,
      updated_at: updatedAt,
    };
  });
  for (let start = 0; start < rows.length; start += CHUNK) {
    await trx
      .insertInto('catalog_products')
      .values(rows.slice(start, start + CHUNK))
      .onConflict((conflict) =>
        conflict.column('id').doUpdateSet((eb) => ({
          brand_key: eb.ref('excluded.brand_key'),
          name: eb.ref('excluded.name'),
          kind: eb.ref('excluded.kind'),
          face_currency: eb.ref('excluded.face_currency'),
          min_face_minor: eb.ref('excluded.min_face_minor'),
          max_face_minor: eb.ref('excluded.max_face_minor'),
          cost_currency: eb.ref('excluded.cost_currency'),
          cost_min_minor: eb.ref('excluded.cost_min_minor'),
          cost_max_minor: eb.ref('excluded.cost_max_minor'),
          stock: eb.ref('excluded.stock'),
          active: true,
          vendor_modified_at: eb.ref('excluded.vendor_modified_at'),
          updated_at: eb.ref('excluded.updated_at'),
        })),
      )
      .execute();
  }
  return { added, changed };
}

const fingerprint = (...fields: unknown[]) => JSON.stringify(fields);

async function recordError(deps: CatalogSyncDeps, runId: bigint, error: unknown, now: () => Date): Promise<void> {
  const entry = JSON.stringify([{ at: now().toISOString(), message: errorText(error) }]);
  await deps.db
    .updateTable('catalog_sync_runs')
    .set({ errors: sql`errors || ${entry}::jsonb` })
    .where('id', '=', runId)
    .execute()
    .catch((recordFailure: unknown) => deps.logger?.error({ err: recordFailure }, 'could not record a catalog sync error'));
}

async function finishFailed(deps: CatalogSyncDeps, runId: bigint, message: string | undefined, now: () => Date): Promise<void> {
  if (message) await recordError(deps, runId, new Error(message), now);
  await deps.db.updateTable('catalog_sync_runs').set({ status: 'failed', finished_at: now() }).where('id', '=', runId).execute();
  await deps.db.deleteFrom('catalog_sync_pages').where('run_id', '=', runId).execute();
}

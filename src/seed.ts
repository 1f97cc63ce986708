// Demo data for the embedded default. Each step is idempotent, so seeding twice changes nothing.
// Later issues add their steps (admin and agent accounts, simulator catalog, a card list).
import { sql } from 'kysely';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';

export const DEMO_SEED_KEY = 'demo_seed';

export interface SeedReport {
  seeded: boolean;
  steps: string[];
}

interface SeedStep {
  name: string;
  run(db: Database, config: Config): Promise<void>;
}

const steps: SeedStep[] = [
  {
    name: 'installation record (vendor, admins from ADMIN_TELEGRAM_IDS)',
    async run(db, config) {
      const value = JSON.stringify({
        seededAt: new Date().toISOString(),
        vendor: config.VENDOR,
        adminTelegramIds: config.ADMIN_TELEGRAM_IDS,
      });
      await db
        .insertInto('app_meta')
        .values({ key: DEMO_SEED_KEY, value })
        .onConflict((conflict) => conflict.column('key').doUpdateSet({ value, updated_at: sql`now()` }))
        .execute();
    },
  },
];

export async function isDemoSeeded(db: Database): Promise<boolean> {
  const row = await db.selectFrom('app_meta').select('key').where('key', '=', DEMO_SEED_KEY).executeTakeFirst();
  return row !== undefined;
}

export async function seedDemo(db: Database, config: Config): Promise<SeedReport> {
  await db.transaction().execute(async (trx) => {
    for (const step of steps) await step.run(trx, config);
  });
  return { seeded: true, steps: steps.map((step) => step.name) };
}

/** Seeds on first start with the embedded database (DEMO_SEED=auto), always, or never. */
export async function seedOnStart(db: Database, config: Config): Promise<SeedReport> {
  const wanted = config.DEMO_SEED === 'always' || (config.DEMO_SEED === 'auto' && !config.DATABASE_URL);
  if (!wanted || (config.DEMO_SEED === 'auto' && (await isDemoSeeded(db)))) return { seeded: false, steps: [] };
  return seedDemo(db, config);
}

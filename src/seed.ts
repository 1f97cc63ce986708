// Demo data for the embedded default, so a fresh `npm start` can be tried at once: a partner with a
// sandbox API key, sandbox funds and a web user, and an invite for a demo agent to open in Telegram. Seeding runs
// in one transaction; the secrets it makes (the key, the web password, the invite token) are shown once, in the report.
import { randomBytes } from 'node:crypto';
import { sql } from 'kysely';
import type { Config } from './config.ts';
import type { Database } from './db/database.ts';
import { createAccount } from './domain/accounts/accounts.ts';
import { createInvite } from './domain/accounts/invites.ts';
import { platformActor } from './domain/actor.ts';
import { configuredRoleDefaults, ensureRoleRiskDefaults } from './domain/orders/risk.ts';
import { apiKeySecret, issueApiKey } from './domain/api-keys/api-keys.ts';
import { creditWallet } from './domain/funding/manual.ts';
import { formatMoney, money, parseMoney } from './shared/money.ts';
import { addPartnerUser } from './domain/partner-users/partner-users.ts';
import { setPartnerUserPassword } from './domain/web-access/passwords.ts';

export const DEMO_SEED_KEY = 'demo_seed';
const DEMO_WEB_EMAIL = 'demo@steller.example';
const SANDBOX_FUNDS = '1000.00';

export interface SeedReport {
  seeded: boolean;
  /** What was created, one line each; secrets appear here once and nowhere else. */
  steps: string[];
}

export async function isDemoSeeded(db: Database): Promise<boolean> {
  const row = await db.selectFrom('app_meta').select('key').where('key', '=', DEMO_SEED_KEY).executeTakeFirst();
  return row !== undefined;
}

/** Loads the demo data once per database; a second call changes nothing. */
export async function seedDemo(db: Database, config: Config): Promise<SeedReport> {
  const actor = platformActor('system');
  const currency = config.SETTLEMENT_CURRENCY;
  return db.transaction().execute(async (trx) => {
    // The lock makes two starts racing on a fresh database seed once.
    await sql`select pg_advisory_xact_lock(hashtext(${DEMO_SEED_KEY}))`.execute(trx);
    if (await isDemoSeeded(trx)) return { seeded: false, steps: ['demo data is already there'] };
    const partner = await createAccount(trx, actor, { role: 'partner', name: 'Demo Partner', currency });
    const key = await issueApiKey(trx, apiKeySecret(config), actor, { accountId: partner.id, mode: 'test' });
    const funds = parseMoney(SANDBOX_FUNDS, currency);
    await creditWallet(trx, actor, {
      accountId: key.accountId,
      amount: funds,
      reason: 'demo sandbox funds',
      idempotencyKey: `demo-seed:sandbox-funds:${key.accountId}`,
    });
    const { token } = await createInvite(trx, actor, { role: 'agent', name: 'Demo Agent', currency });
    await ensureRoleRiskDefaults(trx, config);
    const limits = configuredRoleDefaults(config);
    const shown = (role: 'agent' | 'sub_agent') => {
      const { dailySpend, dailyOrderCount, maxOrder } = limits[role];
      const amount = (value: bigint | null | undefined) => (value == null ? 'none' : formatMoney(money(value, currency)));
      return `${role}: ${amount(dailySpend)} a day, ${dailyOrderCount ?? 'any number of'} orders a day, largest order ${amount(maxOrder)}`;
    };
    // A person of the partner who can sign in to the web app (/app) at once.
    const webUser = await addPartnerUser(trx, actor, partner.id, { name: 'Demo Developer', email: DEMO_WEB_EMAIL, role: 'developer' });
    const webPassword = randomBytes(15).toString('base64url');
    await setPartnerUserPassword(trx, actor, partner.id, webUser.id, webPassword);

    await trx
      .insertInto('app_meta')
      .values({ key: DEMO_SEED_KEY, value: JSON.stringify({ seededAt: new Date().toISOString(), vendor: config.VENDOR, partnerId: partner.id }) })
      .onConflict((conflict) => conflict.column('key').doUpdateSet({ value: sql`excluded.value`, updated_at: sql`now()` }))
      .execute();

    return {
      seeded: true,
      steps: [
        `demo partner "${partner.name}" with a sandbox key (shown once): ${key.key}  (sandbox wallet: ${formatMoney(funds)})`,
        `  try: curl -H "Authorization: Bearer ${key.key}" http://${config.HOST}:${config.PORT}/v1/wallet`,
        `risk limits (RISK_* settings; admins change them with /limits): ${shown('agent')}; ${shown('sub_agent')}`,
        `demo partner user for the web app at http://${config.HOST}:${config.PORT}/app: ${DEMO_WEB_EMAIL}, password (shown once): ${webPassword}`,
        `demo agent invite (valid 7 days): send "/start ${token}" to the bot, or open https://t.me/<your bot>?start=${token}`,
      ],
    };
  });
}

/** Seeds on the first start: with the embedded database (DEMO_SEED=auto), with any (always), or never. */
export async function seedOnStart(db: Database, config: Config): Promise<SeedReport> {
  const wanted = config.DEMO_SEED === 'always' || (config.DEMO_SEED === 'auto' && !config.DATABASE_URL);
  if (!wanted) return { seeded: false, steps: [] };
  const seeded = await demoPartnerId(db);
  if (seeded === undefined) return seedDemo(db, config);
  // The first start showed the demo key once; later banners say how to get another.
  return {
    seeded: false,
    steps: [`demo partner: its sandbox key was shown at the first start; a new one: npx steller api-key create --test --account ${seeded ?? '<partner id>'}`],
  };
}

/** The demo partner's id when the demo data is loaded (null when an older seed did not record it). */
async function demoPartnerId(db: Database): Promise<string | null | undefined> {
  const row = await db.selectFrom('app_meta').select('value').where('key', '=', DEMO_SEED_KEY).executeTakeFirst();
  if (!row) return undefined;
  const partnerId = (row.value as { partnerId?: unknown }).partnerId;
  return typeof partnerId === 'string' ? partnerId : null;
}

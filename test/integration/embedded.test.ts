import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createConfig } from '../../src/config.ts';
import { runningServerPort, startEmbeddedDatabase } from '../../src/db/embedded.ts';
import { apiKeySecret, authenticateApiKey } from '../../src/domain/api-keys/api-keys.ts';
import { checkLedgerConsistency } from '../../src/domain/ledger/consistency.ts';
import { walletBalance } from '../../src/domain/ledger/ledger.ts';
import { isDemoSeeded, seedOnStart } from '../../src/seed.ts';
import { cardKeyring } from '../../src/domain/orders/card-crypto.ts';
import { checkPartnerUserPassword } from '../../src/domain/web-access/passwords.ts';
import { formatMoney } from '../../src/shared/money.ts';
import { createTestDatabase } from '../support/db.ts';

async function canQuery(url: string): Promise<boolean> {
  const client = new pg.Client({ connectionString: url.replace(/\/steller$/, '/postgres') });
  try {
    await client.connect();
    await client.query('select 1');
    return true;
  } catch {
    return false;
  } finally {
    await client.end().catch(() => undefined);
  }
}

describe('embedded PostgreSQL', () => {
  const root = mkdtempSync(path.join(os.tmpdir(), 'steller-embedded-'));
  chmodSync(root, 0o755); // the server runs as the `postgres` OS user when we are root
  afterAll(() => rmSync(root, { recursive: true, force: true }));

  it('starts on a free port, is joined by a second process on the same directory, and stops', async () => {
    const dataDir = path.join(root, 'postgres');
    const first = await startEmbeddedDatabase({ dataDir });
    try {
      expect(first.owned).toBe(true);
      expect(runningServerPort(dataDir)).toBe(first.port);
      expect(await canQuery(first.url)).toBe(true);

      // What the CLI does while `npm start` runs: join, do not start a second server.
      const second = await startEmbeddedDatabase({ dataDir });
      expect(second.owned).toBe(false);
      expect(second.port).toBe(first.port);
      await second.stop(); // a joiner never stops the owner's server
      expect(await canQuery(first.url)).toBe(true);
    } finally {
      await first.stop();
    }
    expect(runningServerPort(dataDir)).toBeUndefined();
    expect(await canQuery(first.url)).toBe(false);
  });
});

describe('demo seed on start', () => {
  it('seeds once on the embedded default, never with DATABASE_URL unless asked', async () => {
    const { db, url } = await createTestDatabase();
    expect(await seedOnStart(db, createConfig({ DATABASE_URL: url }))).toEqual({ seeded: false, steps: [] });
    expect(await isDemoSeeded(db)).toBe(false);

    const embeddedDefault = createConfig({});
    const report = await seedOnStart(db, embeddedDefault);
    expect(report.seeded).toBe(true);
    const key = /(sk_test_[A-Za-z0-9_-]+)/.exec(report.steps.join('\n'))?.[1];
    expect(key).toBeDefined();
    expect(report.steps.join('\n')).toMatch(/\/start [A-Za-z0-9_-]{43}/);
    // The demo has the configured risk limits of agents and sub-agents as their roles' defaults.
    expect(report.steps.join('\n')).toContain('agent: 2000.00 USD a day, 100 orders a day, largest order 500.00 USD');
    const roleLimits = await db
      .selectFrom('risk_limits')
      .select(['role', 'daily_spend_minor', 'daily_order_count', 'max_order_minor'])
      .where('role', 'is not', null)
      .orderBy('role')
      .execute();
    expect(roleLimits).toEqual([
      { role: 'agent', daily_spend_minor: 200_000n, daily_order_count: 100, max_order_minor: 50_000n },
      { role: 'sub_agent', daily_spend_minor: 50_000n, daily_order_count: 50, max_order_minor: 20_000n },
    ]);

    // The sandbox key works and reaches a funded sandbox wallet; the ledger stays consistent.
    const principal = await authenticateApiKey(db, apiKeySecret(embeddedDefault), key as string);
    expect(principal.mode).toBe('test');
    expect(formatMoney(await walletBalance(db, principal.accountId))).toBe('1000.00 USD');
    expect((await checkLedgerConsistency(db)).ok).toBe(true);
    // The demo partner user signs in to the web app with the password shown once.
    const password = /demo@steller\.example, password \(shown once\): ([A-Za-z0-9_-]{20})/.exec(report.steps.join('\n'))?.[1];
    expect(password).toBeDefined();
    const user = await checkPartnerUserPassword(db, cardKeyring(embeddedDefault), { email: 'demo@steller.example', password: password as string });
    expect(user.partnerId).not.toBe(principal.accountId); // the real partner, not its sandbox

    // Only the first start seeds and shows the key; later starts say how to get another.
    const later = await seedOnStart(db, embeddedDefault);
    expect(later.seeded).toBe(false);
    expect(later.steps.join('\n')).not.toContain('sk_test_');
    expect((await seedOnStart(db, createConfig({ DATABASE_URL: url, DEMO_SEED: 'always' }))).seeded).toBe(false);
    const partners = await db.selectFrom('accounts').select('id').where('name', '=', 'Demo Partner').execute();
    expect(partners).toHaveLength(1);
    expect(later.steps.join('\n')).toContain(`npx steller api-key create --test --account ${partners[0]?.id}`);
  });

  it('DEMO_SEED=always seeds a database given by DATABASE_URL', async () => {
    const { db, url } = await createTestDatabase();
    expect((await seedOnStart(db, createConfig({ DATABASE_URL: url, DEMO_SEED: 'always' }))).seeded).toBe(true);
  });
});

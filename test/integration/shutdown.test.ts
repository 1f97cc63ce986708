// Stopping a process (docs/architecture.md, Faults): intake stops, work in flight gets up to
// SHUTDOWN_TIMEOUT_MS, the last request logs are written, the pools close; the timeout holds even
// when a piece of work outlives it.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { createConfig } from '../../src/config.ts';
import { createAccount } from '../../src/domain/accounts/accounts.ts';
import { platformActor } from '../../src/domain/actor.ts';
import { apiKeySecret, issueApiKey } from '../../src/domain/api-keys/api-keys.ts';
import { withTransaction } from '../../src/db/transaction.ts';
import { createLogger } from '../../src/logger.ts';
import { startApp } from '../../src/main.ts';
import { createTestDatabase } from '../support/db.ts';

const silent = createLogger({ level: 'silent', pretty: false });
const SHUTDOWN_TIMEOUT_MS = 1_000;

describe('stopping the app', () => {
  it('keeps to SHUTDOWN_TIMEOUT_MS while a transaction outlives it, and writes the last request logs and counts', async () => {
    const { url, db } = await createTestDatabase();
    const config = createConfig({
      DATABASE_URL: url,
      PORT: '0',
      LOG_LEVEL: 'silent',
      APP_ROLES: 'api,worker',
      SHUTDOWN_TIMEOUT_MS: String(SHUTDOWN_TIMEOUT_MS),
    });
    const app = await startApp(config, silent, { roles: config.APP_ROLES });
    // A partner's request whose log is still in the buffer when the stop begins.
    const partner = await createAccount(db, platformActor('cli'), { role: 'partner', name: 'Late Caller', currency: 'USD' });
    const { key } = await issueApiKey(db, apiKeySecret(config), platformActor('cli'), { accountId: partner.id, mode: 'live' });
    expect((await fetch(`${app.apiUrl}/v1/wallet`, { headers: { authorization: `Bearer ${key}` } })).status).toBe(200);
    // Work still holding one of the app's connections (a job inside its transaction) well past the timeout.
    const stuck = withTransaction(app.resources.db, async (trx) => {
      await sql`select pg_sleep(4)`.execute(trx);
    }).catch(() => undefined);
    await new Promise((resolve) => setTimeout(resolve, 100));

    const started = Date.now();
    await app.stop();
    expect(Date.now() - started).toBeLessThan(SHUTDOWN_TIMEOUT_MS + 2_000);
    const logged = await db.selectFrom('api_request_logs').select('status').execute();
    expect(logged.map((row) => row.status)).toEqual([200]);
    const counted = await db.selectFrom('api_usage_days').select(['account_id', 'requests']).execute();
    expect(counted).toEqual([{ account_id: partner.id, requests: 1n }]);
    await stuck;
  });
});

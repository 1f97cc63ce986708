import { chmodSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, describe, expect, it } from 'vitest';
import { createConfig } from '../../src/config.ts';
import { runningServerPort, startEmbeddedDatabase } from '../../src/db/embedded.ts';
import { isDemoSeeded, seedOnStart } from '../../src/seed.ts';
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

    const embeddedDefault = createConfig({ ADMIN_TELEGRAM_IDS: '777' });
    expect((await seedOnStart(db, embeddedDefault)).seeded).toBe(true);
    const row = await db.selectFrom('app_meta').selectAll().where('key', '=', 'demo_seed').executeTakeFirstOrThrow();
    expect(row.value).toMatchObject({ vendor: 'simulator', adminTelegramIds: ['777'] });
    expect((await seedOnStart(db, embeddedDefault)).seeded).toBe(false); // only the first start

    expect((await seedOnStart(db, createConfig({ DATABASE_URL: url, DEMO_SEED: 'always' }))).seeded).toBe(true);
  });
});

import { mkdtempSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { MIGRATIONS_DIR, MigrationError, migrateDown, migrateToLatest, migrationStatus } from '../../src/db/migrate.ts';
import { createTestDatabase } from '../support/db.ts';

async function tableNames(db: Parameters<typeof migrateToLatest>[0]): Promise<string[]> {
  const result = await sql<{ tablename: string }>`select tablename from pg_tables where schemaname = 'public' order by tablename`.execute(db);
  return result.rows.map((row) => row.tablename).filter((name) => !name.startsWith('kysely_'));
}

describe('migrations', () => {
  it('apply up, down to nothing, and up again to the same schema', async () => {
    const { db } = await createTestDatabase({ migrated: false });
    const applied = await migrateToLatest(db);
    expect(applied.length).toBeGreaterThan(0);
    const schemaAfterUp = await tableNames(db);
    expect(schemaAfterUp).toContain('app_meta');

    const reverted = await migrateDown(db, Infinity);
    expect(reverted.sort()).toEqual([...applied].sort());
    expect(await tableNames(db)).toEqual([]);

    expect(await migrateToLatest(db)).toEqual(applied);
    expect(await tableNames(db)).toEqual(schemaAfterUp);
    expect(await migrateToLatest(db)).toEqual([]); // idempotent
    expect((await migrationStatus(db)).every((entry) => entry.executedAt instanceof Date)).toBe(true);
  });

  it('are named with a sortable timestamp and export up and down', async () => {
    const { readdirSync } = await import('node:fs');
    for (const file of readdirSync(MIGRATIONS_DIR)) {
      expect(file).toMatch(/^\d{4}_\d{2}_\d{2}_\d{6}_[a-z0-9_]+\.ts$/);
      const module = (await import(path.join(MIGRATIONS_DIR, file))) as Record<string, unknown>;
      expect(typeof module.up, file).toBe('function');
      expect(typeof module.down, file).toBe('function');
    }
  });

  it('a failing migration stops with an error naming it, and leaves nothing half-applied', async () => {
    const { db } = await createTestDatabase({ migrated: false });
    const folder = mkdtempSync(path.join(os.tmpdir(), 'steller-migrations-'));
    writeFileSync(
      path.join(folder, '2026_01_01_000000_broken.mjs'),
      `export async function up(db) { await db.schema.createTable('half').addColumn('id', 'integer').execute(); await db.schema.createTable('half').addColumn('id', 'integer').execute(); }
       export async function down() {}`,
    );
    const failure = await migrateToLatest(db, folder).catch((error: unknown) => error);
    expect(failure).toBeInstanceOf(MigrationError);
    expect((failure as MigrationError).migration).toBe('2026_01_01_000000_broken');
    expect((failure as Error).message).toMatch(/already exists/);
    expect(await tableNames(db)).toEqual([]); // the migration ran in a rolled-back transaction
  });
});

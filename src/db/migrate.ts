// Migrations live in `migrations/` as timestamped files exporting up/down(db: Kysely<any>).
// Applied at every start (the migrator takes a database lock, so concurrent starts are safe)
// and by `steller migrate`.
import { promises as fs } from 'node:fs';
import path from 'node:path';
import type { Kysely } from 'kysely';
import { FileMigrationProvider, Migrator, NO_MIGRATIONS, type MigrationResult } from 'kysely/migration';
import { PROJECT_ROOT } from '../config.ts';

export const MIGRATIONS_DIR = path.join(PROJECT_ROOT, 'migrations');

export class MigrationError extends Error {
  readonly migration: string | undefined;
  override readonly cause: unknown;
  constructor(migration: string | undefined, cause: unknown) {
    super(`migration ${migration ?? '(unknown)'} failed: ${cause instanceof Error ? cause.message : String(cause)}`);
    this.name = 'MigrationError';
    this.migration = migration;
    this.cause = cause;
  }
}

function createMigrator(db: Kysely<any>, folder: string): Migrator {
  return new Migrator({
    db,
    provider: new FileMigrationProvider({ fs, path, migrationFolder: folder }),
  });
}

function check(result: { error?: unknown; results?: MigrationResult[] }): MigrationResult[] {
  const results = result.results ?? [];
  if (result.error) {
    const failed = results.find((entry) => entry.status === 'Error');
    throw new MigrationError(failed?.migrationName, result.error);
  }
  return results;
}

/** Applies every pending migration; returns the names applied. Throws MigrationError on failure. */
export async function migrateToLatest(db: Kysely<any>, folder = MIGRATIONS_DIR): Promise<string[]> {
  const results = check(await createMigrator(db, folder).migrateToLatest());
  return results.map((entry) => entry.migrationName);
}

/** Reverts the last `steps` migrations (all of them with `steps = Infinity`). */
export async function migrateDown(db: Kysely<any>, steps = 1, folder = MIGRATIONS_DIR): Promise<string[]> {
  const migrator = createMigrator(db, folder);
  if (steps === Infinity) return check(await migrator.migrateTo(NO_MIGRATIONS)).map((entry) => entry.migrationName);
  const reverted: string[] = [];
  for (let index = 0; index < steps; index += 1) {
    const results = check(await migrator.migrateDown());
    if (results.length === 0) break;
    reverted.push(...results.map((entry) => entry.migrationName));
  }
  return reverted;
}

export async function migrationStatus(db: Kysely<any>, folder = MIGRATIONS_DIR): Promise<{ name: string; executedAt: Date | undefined }[]> {
  const migrations = await createMigrator(db, folder).getMigrations();
  return migrations.map((entry) => ({ name: entry.name, executedAt: entry.executedAt }));
}

// A fresh database for a test file, cloned from the migrated template (about 100 ms).
import { afterAll } from 'vitest';
import { inject } from 'vitest';
import { createDatabase, withDatabaseName, type Database } from '../../src/db/database.ts';
import { adminQuery } from './admin.ts';

let counter = 0;

export interface TestDatabase {
  db: Database;
  url: string;
  name: string;
}

/** Clones the template into a new database, closed and dropped after the file's tests. */
export async function createTestDatabase(options: { migrated?: boolean } = {}): Promise<TestDatabase> {
  const templateUrl = inject('templateUrl');
  const runId = inject('runId');
  counter += 1;
  const name = `${runId}_w${process.env.VITEST_POOL_ID ?? '0'}_${process.pid}_${counter}`;
  const template = new URL(templateUrl).pathname.slice(1);
  await adminQuery(templateUrl, options.migrated === false ? `create database ${name}` : `create database ${name} template ${template}`);
  const url = withDatabaseName(templateUrl, name);
  const { db } = createDatabase(url, { poolSize: 5 });
  afterAll(async () => {
    await db.destroy();
    await adminQuery(templateUrl, `drop database if exists ${name} with (force)`);
  });
  return { db, url, name };
}

/** A test file's own Redis key prefix (real Redis only when REDIS_URL is set). */
export function testRedisPrefix(label: string): string {
  return `${inject('runId')}:${label}:${process.pid}:`;
}

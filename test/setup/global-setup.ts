// Once per `npm test`: find a PostgreSQL server (DATABASE_URL, or an embedded one under
// .data/test-postgres), create a template database with every migration applied, and hand its
// name to the workers. Each run uses its own name prefix, so parallel runs never collide.
import path from 'node:path';
import type { TestProject } from 'vitest/node';
import { PROJECT_ROOT } from '../../src/config.ts';
import { createDatabase, withDatabaseName } from '../../src/db/database.ts';
import { startEmbeddedDatabase } from '../../src/db/embedded.ts';
import { migrateToLatest } from '../../src/db/migrate.ts';
import { adminQuery } from '../support/admin.ts';

declare module 'vitest' {
  export interface ProvidedContext {
    /** URL of the template database (migrated); workers clone it. */
    templateUrl: string;
    /** Prefix of every database and Redis key this run creates. */
    runId: string;
  }
}

export default async function setup(project: TestProject) {
  const runId = `t${Date.now().toString(36)}${process.pid.toString(36)}`;
  let serverUrl = process.env.DATABASE_URL;
  let stopEmbedded: (() => Promise<void>) | undefined;
  if (!serverUrl) {
    const embedded = await startEmbeddedDatabase({ dataDir: path.join(PROJECT_ROOT, '.data/test-postgres'), database: 'postgres' });
    serverUrl = embedded.url;
    stopEmbedded = embedded.owned ? () => embedded.stop() : undefined;
  }

  const templateName = `${runId}_template`;
  await adminQuery(serverUrl, `create database ${templateName}`);
  const templateUrl = withDatabaseName(serverUrl, templateName);
  const { db } = createDatabase(templateUrl, { poolSize: 1 });
  try {
    await migrateToLatest(db);
  } finally {
    await db.destroy();
  }

  project.provide('templateUrl', templateUrl);
  project.provide('runId', runId);

  return async () => {
    const leftovers = await adminQuery(serverUrl, `select datname from pg_database where datname like '${runId}%'`);
    for (const row of leftovers.rows as { datname: string }[]) {
      await adminQuery(serverUrl, `drop database if exists "${row.datname}" with (force)`);
    }
    await stopEmbedded?.();
  };
}

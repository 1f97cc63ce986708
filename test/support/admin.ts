import pg from 'pg';
import { withDatabaseName } from '../../src/db/database.ts';

/** Runs one statement on the server's maintenance database (create/drop database and the like). */
export async function adminQuery(serverUrl: string, statement: string, values: unknown[] = []) {
  const client = new pg.Client({ connectionString: withDatabaseName(serverUrl, 'postgres') });
  await client.connect();
  try {
    return await client.query(statement, values);
  } finally {
    await client.end();
  }
}

// Statements marked `prepared` (src/db/database.ts) run as named prepared statements: parsed and
// planned once per connection. Order intake marks its hot statements so.
import { sql } from 'kysely';
import { describe, expect, it } from 'vitest';
import { PREPARED, prepared } from '../../src/db/database.ts';
import { findAccounts } from '../../src/domain/accounts/accounts.ts';
import { createTestDatabase } from '../support/db.ts';
import { makeAccount } from '../support/money.ts';

const { db } = await createTestDatabase();

describe('prepared statements', () => {
  it('a marked statement is prepared once on its connection and answers as usual; an unmarked one is not prepared', async () => {
    // One transaction: one connection, whose prepared statements pg_prepared_statements lists.
    await db.transaction().execute(async (trx) => {
      for (const value of [1n, 2n, 2n ** 40n]) {
        const { rows } = await sql<{ value: bigint }>`${prepared} select ${value}::int8 as value`.execute(trx);
        expect(rows).toEqual([{ value }]);
      }
      await sql`select 1 as unmarked`.execute(trx);
      const { rows } = await sql<{ statement: string }>`select statement from pg_prepared_statements`.execute(trx);
      expect(rows.map((row) => row.statement)).toEqual([`${PREPARED} select $1::int8 as value`]);
    });
  });

  it('a prepared read names its columns, so it keeps working when its table gains one (a migration during a deploy)', async () => {
    const account = await makeAccount(db, 'partner');
    const undo = new Error('undo the test column');
    const failure = await db
      .transaction()
      .execute(async (trx) => {
        expect((await findAccounts(trx, [account.id])).get(account.id)?.name).toBe(account.name);
        await sql`${prepared} select * from accounts where id = ${account.id}`.execute(trx);
        await sql`alter table accounts add column test_added integer`.execute(trx);
        expect((await findAccounts(trx, [account.id])).get(account.id)?.name).toBe(account.name);
        // A prepared `*` would fail here; that is why marked statements name their columns.
        await expect(sql`${prepared} select * from accounts where id = ${account.id}`.execute(trx)).rejects.toThrow('cached plan must not change result type');
        throw undo;
      })
      .catch((error: unknown) => error);
    expect(failure).toBe(undo);
  });
});

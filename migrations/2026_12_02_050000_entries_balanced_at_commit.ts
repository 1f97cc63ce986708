import { sql, type Kysely } from 'kysely';

// Every transfer's entries sum to zero per currency, enforced by the database at commit (docs/product.md#money-and-the-ledger).
//
// `ledger_transfers()` checks nothing of the kind itself: `transfer()` validates in TypeScript, and
// until now only the hourly consistency check noticed an unbalanced transfer written any other way
// (a new SQL function, a hand-written fix in psql). A constraint trigger, deferred to commit, so
// the entries of one transfer may be written by several statements of one transaction: each new
// entry queues a check of its own transfer's entries, found through the primary key
// (transfer_id, ledger_account_id); an unbalanced transfer aborts the commit.
//
// Per row, not once per transfer: PostgreSQL has no deferred per-statement triggers with the new
// rows, and a WHEN clause cannot pick one entry per transfer without a hole (a transfer of only
// debits). A transfer has 2-3 entries, so each check reads 2-3 index entries already in cache.
// Since `amount <> 0` is a CHECK, a balanced transfer also has at least two entries.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create function entries_transfer_balanced() returns trigger language plpgsql as $$
    declare
      v_unbalanced record;
    begin
      select e.currency, sum(e.amount) as sum into v_unbalanced
      from entries e where e.transfer_id = new.transfer_id
      group by e.currency having sum(e.amount) <> 0
      limit 1;
      if found then
        raise exception 'transfer % does not balance: its % entries sum to %', new.transfer_id, v_unbalanced.currency, v_unbalanced.sum
          using errcode = 'check_violation', constraint = 'entries_transfer_balanced';
      end if;
      return null;
    end
    $$`.execute(db);
  await sql`
    create constraint trigger entries_transfer_balanced after insert on entries
    deferrable initially deferred
    for each row execute function entries_transfer_balanced()`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop trigger entries_transfer_balanced on entries`.execute(db);
  await sql`drop function entries_transfer_balanced()`.execute(db);
}

import { sql, type Kysely } from 'kysely';

// The Bamboo simulator's state, in a schema of its own (`bamboo_sim`) so it never mixes with ours:
// every process on this database talks to one simulated vendor, and its orders survive restarts
// (docs/bamboo.md, "The simulator"). Accounts and balances; orders (one row each, lines and cards as
// a JSON document; the unique (client, RequestId) key is what makes a second checkout of one
// RequestId OrderAlreadyExists, also across processes); `next_step_at`, when the order next moves
// on by itself (Created → Processing → final), for the sweep; the transactions report; the
// notification (callback) settings; and the id sequences, starting where Bamboo's samples are.
// Times are milliseconds since the epoch on the simulator's clock (tests drive a fake one).
export async function up(db: Kysely<any>): Promise<void> {
  await sql`create schema bamboo_sim`.execute(db);
  await sql`
    create table bamboo_sim.accounts (
      id integer primary key,
      client_id text not null,
      currency text not null,
      balance numeric(20, 4) not null,
      is_active boolean not null
    )`.execute(db);
  await sql`
    create table bamboo_sim.orders (
      client_id text not null,
      request_id text not null,
      order_id integer not null unique,
      created_at bigint not null,
      next_step_at bigint,
      document jsonb not null,
      primary key (client_id, request_id)
    )`.execute(db);
  await sql`create index bamboo_sim_orders_due on bamboo_sim.orders (next_step_at) where next_step_at is not null`.execute(db);
  await sql`create index bamboo_sim_orders_created on bamboo_sim.orders (client_id, created_at)`.execute(db);
  await sql`create index bamboo_sim_orders_request on bamboo_sim.orders (request_id)`.execute(db);
  await sql`
    create table bamboo_sim.transactions (
      transaction_id integer primary key,
      client_id text not null,
      request_id text not null,
      type text not null check (type in ('Order', 'Refund')),
      amount numeric(20, 4) not null,
      balance_after numeric(20, 4) not null,
      at bigint not null,
      foreign key (client_id, request_id) references bamboo_sim.orders (client_id, request_id)
    )`.execute(db);
  await sql`create index bamboo_sim_transactions_client_at on bamboo_sim.transactions (client_id, at)`.execute(db);
  await sql`
    create table bamboo_sim.notification_settings (
      client_id text primary key,
      notification_url text not null,
      notification_url_sandbox text not null,
      secret_key text not null
    )`.execute(db);
  await sql`create sequence bamboo_sim.order_ids start 6779294`.execute(db);
  await sql`create sequence bamboo_sim.card_ids start 24153984`.execute(db);
  await sql`create sequence bamboo_sim.transaction_ids start 6677709`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop schema bamboo_sim cascade`.execute(db);
}

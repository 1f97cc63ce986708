import { sql, type Kysely } from 'kysely';

// The Telegram messages that told a buyer how an order ended (its cards, masked, or for a many-card
// order one message with the CSV button; its failure; its partial delivery), one row each, written in the transaction that queues them: the order's timeline
// shows them, and (order_id, position) being unique makes a second delivery of the same order event
// queue nothing (it replaces a key-value marker that expired). Never a card code: the kind and the
// card's position only. `sent_at` / `undeliverable` are set by the telegram.send worker.
export async function up(db: Kysely<any>): Promise<void> {
  await sql`
    create table order_messages (
      id bigint generated always as identity primary key,
      order_id uuid not null references orders(id),
      position integer not null check (position >= 0),
      kind text not null check (kind in ('card', 'cards_csv', 'failed', 'partly_delivered')),
      card_index integer check (card_index >= 0),
      chat_id text not null,
      queued_at timestamptz not null default now(),
      sent_at timestamptz,
      undeliverable text check (length(undeliverable) <= 500),
      unique (order_id, position)
    )`.execute(db);
}

export async function down(db: Kysely<any>): Promise<void> {
  await sql`drop table order_messages`.execute(db);
}

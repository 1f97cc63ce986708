import type { Kysely } from 'kysely';

// The language a user sees in the bot, stored on their account (null: follow Telegram's language code).
export async function up(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').addColumn('language', 'text').execute();
}

export async function down(db: Kysely<any>): Promise<void> {
  await db.schema.alterTable('accounts').dropColumn('language').execute();
}

// The onboarding stage of a self-signed-up partner (docs/signup.md):
//   signed_up → first_test_order → approved → first_live_order → active
// advanced from real events only: a completed sandbox order, the admin's approval (signups.ts), a
// completed live order, and `active` after ONBOARDING_ACTIVE_LIVE_ORDERS completed live orders.
// Every step is `update … where stage = <previous>`: idempotent, never backwards. Partners created
// by an operator have no onboarding.
import { sql, type Kysely } from 'kysely';
import type { DB } from '../../db/schema.ts';
import { DomainError } from '../../shared/errors.ts';
import type { ApiPrincipal } from '../api-keys/api-keys.ts';
import { findSignup, type PartnerSignup } from './signups.ts';
import { ONBOARDING_STAGES, type OnboardingStage } from './signups.tables.ts';

/** Order statuses that count as a completed order (cards were delivered). */
const DELIVERED = ['completed', 'partially_completed'] as const;

export interface OnboardingSettings {
  activeAfterLiveOrders: number;
}

/**
 * Called once per order that reached a final state (the order.events job). A delivered order of a
 * sandbox account moves its partner from `signed_up` to `first_test_order`; a delivered live order
 * moves `approved` to `first_live_order`, and on to `active` when enough live orders are done.
 * Returns the partner's stage after the event (undefined: not a self-signed-up partner).
 */
export async function recordOrderForOnboarding(
  db: Kysely<DB>,
  settings: OnboardingSettings,
  order: { buyerId: string; status: string },
  now = new Date(),
): Promise<OnboardingStage | undefined> {
  if (!(DELIVERED as readonly string[]).includes(order.status)) return undefined;
  const sandbox = await db.selectFrom('api_sandbox_accounts').select('partner_id').where('sandbox_account_id', '=', order.buyerId).executeTakeFirst();
  if (sandbox) {
    const partnerId = sandbox.partner_id;
    await db
      .updateTable('partner_signups')
      .set({ stage: 'first_test_order', first_test_order_at: now })
      .where('account_id', '=', partnerId)
      .where('stage', '=', 'signed_up')
      .execute();
    // Approved before any test order (the stage was skipped): the first test order's time is still worth knowing.
    await db
      .updateTable('partner_signups')
      .set({ first_test_order_at: now })
      .where('account_id', '=', partnerId)
      .where('first_test_order_at', 'is', null)
      .execute();
    return (await findSignup(db, partnerId))?.stage;
  }
  const partnerId = order.buyerId;
  await db
    .updateTable('partner_signups')
    .set({ stage: 'first_live_order', first_live_order_at: now })
    .where('account_id', '=', partnerId)
    .where('stage', '=', 'approved')
    .execute();
  const signup = await findSignup(db, partnerId);
  if (signup?.stage !== 'first_live_order') return signup?.stage;
  const { count } = await db
    .selectFrom('orders')
    .select(sql<string>`count(*)`.as('count'))
    .where('buyer_id', '=', partnerId)
    .where('status', 'in', DELIVERED)
    .executeTakeFirstOrThrow();
  if (Number(count) < settings.activeAfterLiveOrders) return signup.stage;
  await db
    .updateTable('partner_signups')
    .set({ stage: 'active', active_at: now })
    .where('account_id', '=', partnerId)
    .where('stage', '=', 'first_live_order')
    .execute();
  return 'active';
}

const NEXT_STEP: Record<OnboardingStage, string> = {
  signed_up: 'Place a test order with your sk_test_ key (POST /v1/orders); it uses your sandbox funds.',
  first_test_order: 'Wait for an admin to approve your account; then create your live key with POST /v1/keys/live.',
  approved: 'Create your live key with POST /v1/keys/live (if not done yet), fund your wallet, and place your first live order.',
  first_live_order: 'Keep ordering: the account becomes active after a few completed live orders.',
  active: 'Nothing: your integration is live.',
};

export interface OnboardingView {
  signup: PartnerSignup;
  /** Every stage with the time it was reached (null: not yet, or skipped). */
  stages: { stage: OnboardingStage; reachedAt: Date | null }[];
  nextStep: string;
}

/** The onboarding of the partner behind a key (live or test). */
export async function onboardingOf(db: Kysely<DB>, principal: Pick<ApiPrincipal, 'ownerId'>): Promise<OnboardingView> {
  const signup = await findSignup(db, principal.ownerId);
  if (!signup)
    throw new DomainError('onboarding_not_found', 'this partner was set up by an operator: there is no self-service onboarding', {
      accountId: principal.ownerId,
    });
  const reached: Record<OnboardingStage, Date | null> = {
    signed_up: signup.signedUpAt,
    first_test_order: signup.firstTestOrderAt,
    approved: signup.approvedAt,
    first_live_order: signup.firstLiveOrderAt,
    active: signup.activeAt,
  };
  const nextStep =
    signup.status === 'rejected'
      ? 'Your signup was rejected; contact us.'
      : signup.status === 'pending' && signup.stage === 'first_test_order'
        ? NEXT_STEP.first_test_order
        : NEXT_STEP[signup.stage];
  return { signup, stages: ONBOARDING_STAGES.map((stage) => ({ stage, reachedAt: reached[stage] })), nextStep };
}

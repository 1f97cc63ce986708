// Tables of the signups area (migration 2026_11_28_090000_create_partner_signups).
import type { Generated, Selectable } from 'kysely';
import type { NullableTimestamp, Timestamp } from '../columns.ts';

export const SIGNUP_STATUSES = ['pending', 'approved', 'rejected'] as const;
export type SignupStatus = (typeof SIGNUP_STATUSES)[number];

/** Onboarding stages, in order; a partner only ever moves forward (docs/signup.md). */
export const ONBOARDING_STAGES = ['signed_up', 'first_test_order', 'approved', 'first_live_order', 'active'] as const;
export type OnboardingStage = (typeof ONBOARDING_STAGES)[number];

export interface PartnerSignupsTable {
  account_id: string;
  company_name: string;
  email: string;
  use_case: string;
  status: Generated<SignupStatus>;
  decided_at: NullableTimestamp;
  decided_by: string | null;
  reject_reason: string | null;
  stage: Generated<OnboardingStage>;
  signed_up_at: Timestamp;
  first_test_order_at: NullableTimestamp;
  approved_at: NullableTimestamp;
  first_live_order_at: NullableTimestamp;
  active_at: NullableTimestamp;
}
export type PartnerSignupRow = Selectable<PartnerSignupsTable>;

export interface SignupsTables {
  partner_signups: PartnerSignupsTable;
}

// Buttons of the admins' control screens (control.ts): an account's risk limits, an order's tools,
// the invites list.
import { defineCallback, field } from '../callback-data.ts';

export const controlCallbacks = {
  limits: defineCallback('ctl:lim', { accountId: field.uuid }),
  /** Starts the flow that sets an account's limits. */
  setLimits: defineCallback('ctl:limset', { accountId: field.uuid }),
  order: defineCallback('ctl:ord', { orderId: field.uuid }),
  /** Starts the refund flow (reason → confirm). */
  refund: defineCallback('ctl:ref', { orderId: field.uuid }),
  confirmRefund: defineCallback('ctl:rf', { action: field.oneOf('ok', 'drop'), key: field.uuid }),
  retry: defineCallback('ctl:rty', { orderId: field.uuid }),
  /** Starts the flow that decides an order needing attention (reason → confirm): the vendor has it or lacks it. */
  resolve: defineCallback('ctl:res', { orderId: field.uuid, decision: field.oneOf('has', 'lacks') }),
  confirmResolve: defineCallback('ctl:rs', { action: field.oneOf('ok', 'drop'), key: field.uuid }),
  invites: defineCallback('ctl:inv', { page: field.int(4) }),
  revokeInvite: defineCallback('ctl:invrv', { inviteId: field.uuid }),
};

// Buttons of partner signups (signups.ts). `list` is also the button of the new-signup alert.
import { defineCallback, field } from '../callback-data.ts';

export const signupCallbacks = {
  open: defineCallback('adm:signups'),
  list: defineCallback('sg:list', { page: field.int(4) }),
  view: defineCallback('sg:view', { accountId: field.uuid }),
  approve: defineCallback('sg:ok', { accountId: field.uuid }),
  /** Reject: first the choice of a reason, then the reason (`signup-reason-<n>`). */
  reject: defineCallback('sg:no', { accountId: field.uuid }),
  rejectWithReason: defineCallback('sg:rj', { accountId: field.uuid, reason: field.int(1) }),
};

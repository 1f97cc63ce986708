// Buttons of the admin screens (admin.ts): the account tree, one account, adjustments, invites,
// the audit log, closing a month, admins.
import { defineCallback, field } from '../callback-data.ts';

export const adminCallbacks = {
  tree: defineCallback('adm:tree', { page: field.int(4) }),
  children: defineCallback('adm:kids', { parentId: field.uuid, page: field.int(4) }),
  adjust: defineCallback('adm:adjust'),
  account: defineCallback('adm:acct', { accountId: field.uuid }),
  setStatus: defineCallback('adm', { action: field.oneOf('pause', 'resume'), accountId: field.uuid }),
  /** Credit or debit a wallet: starts the adjustment flow. */
  adjustWallet: defineCallback('adm', { direction: field.oneOf('credit', 'debit'), accountId: field.uuid }),
  /** Confirm / Cancel at the end of the adjustment flow. */
  confirmAdjustment: defineCallback('aj', { action: field.oneOf('ok', 'drop'), key: field.uuid }),
  invite: defineCallback('adm:invite'),
  /** The audit log; older pages carry the last shown row id. */
  audit: defineCallback('adm:audit', { beforeId: field.optional(field.digits(19)) }),
  /** Closing the month before this one (the preview). */
  closeLastMonth: defineCallback('adm:close'),
  closePreview: defineCallback('adm:close', { month: field.month, page: field.optional(field.int(3)) }),
  closeConfirm: defineCallback('adm:close', { month: field.month, confirm: field.oneOf('ok') }),
  admins: defineCallback('adm:admins', { page: field.optional(field.int(3)) }),
  demote: defineCallback('adm:demote', { adminId: field.uuid }),
  promote: defineCallback('adm:promote'),
};

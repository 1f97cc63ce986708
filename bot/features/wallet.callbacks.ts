// Buttons of the wallet (wallet.ts).
import { defineCallback, field } from '../callback-data.ts';

export const walletCallbacks = {
  home: defineCallback('w:home'),
  /** Recent transactions; older pages carry the ledger's cursor. */
  transactions: defineCallback('w:tx', { cursor: field.optional(field.digits(19)) }),
  statement: defineCallback('w:st', { month: field.month }),
};

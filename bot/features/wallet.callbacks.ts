// Buttons of the wallet (wallet.ts).
import { defineCallback, field } from '../callback-data.ts';

export const walletCallbacks = {
  home: defineCallback('w:home'),
  /** Recent transactions; older pages carry the ledger's cursor. */
  transactions: defineCallback('w:tx', { cursor: field.optional(field.digits(19)) }),
  statement: defineCallback('w:st', { month: field.month }),
  /** The statement of a month as a CSV document (also on the monthly statement message). */
  statementCsv: defineCallback('w:csv', { month: field.month }),
  /** An agent's sub-agents' orders of a month with its earned share, as a CSV document. */
  subAgentsCsv: defineCallback('w:subs', { month: field.month }),
};

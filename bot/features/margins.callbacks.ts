// Buttons of sub-agent margins (margins.ts): set one on the sub-agent's screen, confirm it.
import { defineCallback, field } from '../callback-data.ts';

export const marginCallbacks = {
  /** Starts the margin flow for a direct sub-agent (button on the sub-agent's screen). */
  set: defineCallback('mg:set', { childId: field.uuid }),
  /** Confirm / Cancel at the end of the flow. */
  confirm: defineCallback('mg', { action: field.oneOf('ok', 'drop'), key: field.uuid }),
};

// Buttons of top-ups (topup.ts): the agent's flow and the admins' decision buttons.
import { defineCallback, field } from '../callback-data.ts';

export const topupCallbacks = {
  start: defineCallback('tu:new'),
  /** Send / Cancel at the end of the agent's flow. */
  confirm: defineCallback('tu', { action: field.oneOf('send', 'drop'), key: field.uuid }),
  approve: defineCallback('tu:ok', { requestId: field.uuid }),
  reject: defineCallback('tu:no', { requestId: field.uuid }),
  view: defineCallback('tu:view', { requestId: field.uuid }),
  pending: defineCallback('adm:topups', { page: field.optional(field.int(4)) }),
};

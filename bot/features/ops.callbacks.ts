// Buttons of the Operations screens (ops.ts).
import { defineCallback, field } from '../callback-data.ts';

export const opsCallbacks = {
  home: defineCallback('ops:home'),
  failed: defineCallback('ops:failed'),
  vendor: defineCallback('ops:vendor'),
  /** The orders needing attention (a list; each opens its order tools, where it is decided). */
  attention: defineCallback('ops:attention'),
  /** Retry one failed job (its queue is looked up by id: the data has room for the id only). */
  retry: defineCallback('ops:r', { jobId: field.uuid }),
  retryAll: defineCallback('ops:ra'),
};

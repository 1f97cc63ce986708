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
  /** The sales pauses (kill switches): the open ones with Resume, and Pause buttons. */
  sales: defineCallback('ops:sales'),
  /** Pause sales: all, a product or a brand (a flow asks the target and the reason). */
  pause: defineCallback('ops:sp', { scope: field.oneOf('all', 'product', 'brand') }),
  /** Lift one open pause (looked up by id: the admin sees what it was). */
  resume: defineCallback('ops:sr', { pauseId: field.uuid }),
};

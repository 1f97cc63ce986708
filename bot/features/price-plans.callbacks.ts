// Buttons of price plans (price-plans.ts).
import { defineCallback, field } from '../callback-data.ts';

export const pricePlanCallbacks = {
  list: defineCallback('adm:plans', { page: field.optional(field.int(4)) }),
  view: defineCallback('pp:view', { planId: field.uuid }),
  create: defineCallback('pp:new'),
  setDiscount: defineCallback('pp:disc', { planId: field.uuid }),
  /** Make the plan the default of agents (`agent`) or sub-agents (`sub`). */
  roleDefault: defineCallback('pp:role', { planId: field.uuid, role: field.oneOf('agent', 'sub') }),
  /** Give an account a plan: starts the plan picker. */
  assign: defineCallback('pp:acct', { accountId: field.uuid }),
  // Inside the plan picker: a plan of the list, a page of the list.
  pickPlan: defineCallback('ppa', { index: field.int(4) }),
  pickerPage: defineCallback('ppa:p', { page: field.int(4) }),
};

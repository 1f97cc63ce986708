// Buttons of My network (network.ts): sub-agents, allocation, revenue share, requests for funds.
import { defineCallback, field } from '../callback-data.ts';

export const networkCallbacks = {
  list: defineCallback('net:list', { page: field.int(4) }),
  subAgent: defineCallback('net:sub', { childId: field.uuid }),
  setStatus: defineCallback('net', { action: field.oneOf('pause', 'resume'), childId: field.uuid }),
  /** Allocate (`give`) or reclaim (`take`): starts the allocation flow. */
  allocate: defineCallback('net', { direction: field.oneOf('give', 'take'), childId: field.uuid }),
  invite: defineCallback('net:invite'),
  revenueShare: defineCallback('net:rs'),
  fundRequests: defineCallback('net:reqs'),
  /** Confirm / Cancel at the end of the allocation flow. */
  confirmAllocation: defineCallback('al', { action: field.oneOf('ok', 'drop'), key: field.uuid }),
  // A sub-agent's request for funds: asked by the sub-agent, answered by its agent.
  askFunds: defineCallback('fr:new'),
  fulfilFundRequest: defineCallback('fr:ok', { requestId: field.uuid }),
  declineFundRequest: defineCallback('fr:no', { requestId: field.uuid }),
};

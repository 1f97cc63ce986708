// Buttons of ordering and of the orders screens (orders.ts). `reveal` is also the button of the
// delivery message, so its format is the one old messages in chats carry.
import { defineCallback, field } from '../callback-data.ts';

export const orderCallbacks = {
  start: defineCallback('o:new'),
  /** My orders; older pages carry the last shown order number. */
  list: defineCallback('o:list', { cursor: field.optional(field.digits(18)) }),
  /** A direct sub-agent's orders, for its agent. */
  ofBuyer: defineCallback('o:of', { buyerId: field.uuid, cursor: field.optional(field.digits(18)) }),
  view: defineCallback('o:view', { orderId: field.uuid }),
  reveal: defineCallback('o:rv', { orderId: field.uuid, index: field.int(3) }),
  /** Every card of an order as a CSV document (many-card orders; also on their delivery message). */
  cardsCsv: defineCallback('o:csv', { orderId: field.uuid }),
  /** Share one card with a customer (also on the delivery message): shows the ways and languages. */
  share: defineCallback('o:sh', { orderId: field.uuid, index: field.int(3) }),
  /** The share itself: a forwardable message (`msg`) or a one-time claim link (`link`), in a language. */
  shareAs: defineCallback('o:shs', { orderId: field.uuid, index: field.int(3), via: field.oneOf('msg', 'link'), language: field.oneOf('en', 'ar') }),
  // Inside the ordering flow: a card of the list (or a card and its value), a page of the list, a fixed face value, Confirm / Cancel.
  pickCard: defineCallback('oc', { index: field.int(3) }),
  /** A card of the list with one of its few fixed values at once (the picker shows them on the card's row). */
  pickCardValue: defineCallback('ocv', { index: field.int(3), face: field.digits(18) }),
  cardPage: defineCallback('oc:p', { page: field.int(3) }),
  pickFace: defineCallback('od', { face: field.digits(18) }),
  confirm: defineCallback('or', { action: field.oneOf('ok', 'drop'), key: field.uuid }),
  /** Keep the summary's item in the cart and pick another card (inside the flow). */
  addItem: defineCallback('oa', { key: field.uuid }),
  /** Back from the card picker to the cart's summary without another card. */
  reviewCart: defineCallback('ocr'),
  /** Another quantity, on the summary (inside the flow). */
  quantity: defineCallback('oq', { quantity: field.int(3) }),
};

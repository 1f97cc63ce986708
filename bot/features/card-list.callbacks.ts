// Buttons of the admin's card list (card-list.ts). Move and remove name the entry's position and
// product, so a button drawn before another admin's change is refused.
import { defineCallback, field } from '../callback-data.ts';

export const cardListCallbacks = {
  open: defineCallback('adm:cards'),
  page: defineCallback('cl:page', { page: field.int(3) }),
  add: defineCallback('cl:add'),
  change: defineCallback('cl', { action: field.oneOf('up', 'rm'), position: field.int(3), productId: field.digits(18) }),
};

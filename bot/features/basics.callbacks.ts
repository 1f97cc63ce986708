// Buttons every user has: back to the main menu, Cancel under a flow's question, the language choice.
import { defineCallback, field } from '../callback-data.ts';

export const basicsCallbacks = {
  home: defineCallback('m:home'),
  cancelFlow: defineCallback('flow:cancel'),
  language: defineCallback('lang', { locale: field.matching('[a-z]{2}', 'en') }),
};

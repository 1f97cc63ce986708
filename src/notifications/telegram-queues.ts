// The outgoing Telegram queues: whoever sends a message (notifications, the bot's card reveal)
// enqueues on them; src/jobs/handlers/telegram.ts binds them to the TelegramGateway port, throttled
// through the shared limiters and retried with backoff.
import { z } from 'zod';
import { defineQueueContract, MIN_HEARTBEAT_SECONDS } from '../shared/queue-contract.ts';
import { telegramMessageSchema } from './telegram.ts';

/** Deletes a message later (a revealed card code after REVEAL_DELETE_AFTER_SECONDS). */
export const telegramDeleteQueue = defineQueueContract({
  name: 'telegram.delete',
  payload: z.object({ chatId: z.string(), messageId: z.number().int() }),
  retry: { limit: 5, delaySeconds: 5, backoff: true, delayMaxSeconds: 300 },
  expireInSeconds: 60,
  deadLetter: true,
  pollingIntervalSeconds: 0.5,
  notify: true,
});

export const telegramSendQueue = defineQueueContract({
  name: 'telegram.send',
  payload: telegramMessageSchema,
  retry: { limit: 8, delaySeconds: 2, backoff: true, delayMaxSeconds: 600 },
  expireInSeconds: 60,
  heartbeatSeconds: MIN_HEARTBEAT_SECONDS,
  deadLetter: true,
  pollingIntervalSeconds: 0.5,
  notify: true,
  concurrency: 4,
});

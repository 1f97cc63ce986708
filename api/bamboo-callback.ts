// Bamboo's order-completion callback (docs/bamboo.md#vendor-facts-our-code-relies-on, docs/product.md#orders). Not a partner endpoint: Bamboo
// calls it with the shared secret we configured (BAMBOO_CALLBACK_SECRET). The domain checks the
// secret in constant time and only schedules a Get Order; the body never decides an outcome.
import type { AppContext } from '#src/context.ts';
import { handleVendorCallback } from '#src/domain/orders/reconciliation.ts';
import { problem } from './problem.ts';
import { createRouter } from './router.ts';

export const BAMBOO_CALLBACK_PATH = '/bamboo/callback';

export function bambooCallbackRoutes(ctx: Pick<AppContext, 'db' | 'jobs' | 'config'>) {
  const router = createRouter();
  router.post(BAMBOO_CALLBACK_PATH, async (c) => {
    const body: unknown = await c.req.json().catch(() => undefined);
    const result = await handleVendorCallback(ctx, body);
    if (result.ok) return c.json({ received: true }, 200);
    if (result.reason === 'bad_secret') return problem(c, 401, 'unauthorized', 'Unknown callback secret');
    return problem(c, 400, 'validation_failed', 'Not a Bamboo order callback');
  });
  return router;
}

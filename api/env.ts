import type { Logger } from '#src/logger.ts';

/** What every route can read from `c.var`. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    logger: Logger;
  };
}

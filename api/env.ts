import type { Generations } from '#src/db/generations.ts';
import type { ApiPrincipal } from '#src/domain/api-keys/api-keys.ts';
import type { Logger } from '#src/logger.ts';

/** What every route can read from `c.var`. */
export interface ApiEnv {
  Variables: {
    requestId: string;
    logger: Logger;
    /** The client's address (api/client-address.ts), when the server knows one. */
    clientAddress: string | undefined;
    /** Set by the API key middleware on /v1 routes. */
    principal: ApiPrincipal;
    /** The read caches' generations, read once per /v1 request by the API key middleware (after the request arrived). */
    generations: Generations;
  };
}

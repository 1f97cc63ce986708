import type { WebIdentity } from '#src/domain/web-access/sessions.ts';
import type { ApiEnv } from '../env.ts';

/** What every web route can read from `c.var`: the API's request variables, plus who is signed in. */
export interface WebEnv {
  Variables: ApiEnv['Variables'] & {
    /** Set when the request carries a valid session cookie. */
    identity: WebIdentity | undefined;
    /** The token this request's forms carry: the session's, or the anonymous cookie's before sign-in. */
    csrfToken: string;
  };
}

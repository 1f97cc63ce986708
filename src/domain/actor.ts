// Who is acting, and through which channel: passed to every service that changes something, so
// rights can be checked and the audit log can say who did it.
export const CHANNELS = ['telegram', 'api', 'cli', 'system', 'web'] as const;
export type Channel = (typeof CHANNELS)[number];

export interface Actor {
  /** The acting account; null for the platform itself (a CLI operator or a scheduled job). */
  accountId: string | null;
  channel: Channel;
  /**
   * The partner's user acting for the partner (signed in to the web, or calling with their key);
   * services check that user's role where it matters (managing the partner's users).
   */
  partnerUserId?: string;
}

/** The platform acting on its own behalf: full rights (operators on the machine, workers). */
export function platformActor(channel: 'cli' | 'system' = 'system'): Actor {
  return { accountId: null, channel };
}

export function accountActor(accountId: string, channel: Channel): Actor {
  return { accountId, channel };
}

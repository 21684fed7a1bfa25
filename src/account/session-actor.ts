import type { ClientInfo } from '../common/client-info.js';

/** Who asks for a change of their account: a signed-in user, from one of their sessions. */
export interface SessionActor {
  userId: string;
  sessionId: string;
  client: ClientInfo;
}

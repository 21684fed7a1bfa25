/** What the HTTP layer tells the services about the caller; services never see the request. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

/** Who asks for an audited change: the acting user's id and where the request came from. */
export interface Actor {
  id: string;
  client: ClientInfo;
}

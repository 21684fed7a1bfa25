/** Where a request came from, as the HTTP layer (or the CLI) tells the services; services never see the request. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
  /** `http` for the API; `cli` for the operator's command line (no IP; the user agent names the CLI and its host). */
  origin: 'http' | 'cli';
}

/** Who asks for an audited change: the acting user's id (or the operator's name on the CLI) and where the request came from. */
export interface Actor {
  id: string;
  client: ClientInfo;
}

/** What the HTTP layer tells the services about the caller; services never see the request. */
export interface ClientInfo {
  ip: string | null;
  userAgent: string | null;
}

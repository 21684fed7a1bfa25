/** A user as the rest of the service sees one: never with its password hash. */
export interface PublicUser {
  id: string;
  email: string;
  roles: string[];
  createdAt: Date;
}

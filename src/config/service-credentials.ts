import { z } from 'zod';
import { secretWeakness } from './setting-types.js';

/**
 * What a service client may ask for. A client gets only the scopes its
 * entry names, so a scope added later is never granted by an old entry.
 */
export const SERVICE_SCOPES = ['introspect', 'revocations', 'ssf'] as const;
export type ServiceScope = (typeof SERVICE_SCOPES)[number];

export interface ServiceCredential {
  clientId: string;
  scopes: ServiceScope[];
  secret: string;
}

const CLIENT_ID = /^[A-Za-z0-9][A-Za-z0-9._-]{0,63}$/;
/**
 * Unreserved URL characters only: RFC 6749 §2.3.1 has clients form-encode
 * the id and secret inside HTTP Basic, which then changes nothing, whether a
 * client does it or not.
 */
const SECRET = /^[A-Za-z0-9._~-]+$/;
const MIN_SECRET_LENGTH = 32;

export const SERVICE_CREDENTIAL_FORMAT = '<client id>:<scope>[+<scope>…]:<secret>';

function isScope(value: string): value is ServiceScope {
  return (SERVICE_SCOPES as readonly string[]).includes(value);
}

/** Problems with one entry; never quotes the secret, nor a client id that may be a misplaced secret. */
function parseEntry(entry: string, position: number): { credential: ServiceCredential } | { problems: string[] } {
  const parts = entry.split(':');
  const [clientId = '', scopeText = '', secret = ''] = parts;
  if (parts.length !== 3) return { problems: [`entry ${position} is not ${SERVICE_CREDENTIAL_FORMAT}`] };
  if (!CLIENT_ID.test(clientId)) {
    return { problems: [`entry ${position}: the client id must be 1–64 of A–Z a–z 0–9 . _ -, starting with a letter or digit`] };
  }
  const named = `client "${clientId}"`;
  const problems: string[] = [];
  const scopes = scopeText.split('+');
  const unknown = scopes.filter((scope) => !isScope(scope));
  if (unknown.length > 0) problems.push(`${named}: the scopes must be among ${SERVICE_SCOPES.join(', ')}, joined with +`);
  if (secret.length < MIN_SECRET_LENGTH) problems.push(`${named}: the secret must be at least ${MIN_SECRET_LENGTH} characters`);
  if (!SECRET.test(secret)) problems.push(`${named}: the secret may hold only A–Z a–z 0–9 . _ ~ - (\`openssl rand -hex 32\` makes one)`);
  if (problems.length > 0) return { problems };
  return { credential: { clientId, scopes: [...new Set(scopes.filter(isScope))], secret } };
}

/** SERVICE_CREDENTIALS: comma-separated entries, each a named service client with its scopes and secret. */
export const serviceCredentials = z.string().transform((value, ctx): ServiceCredential[] => {
  const problems: string[] = [];
  const credentials: ServiceCredential[] = [];
  value
    .split(',')
    .map((entry) => entry.trim())
    .filter(Boolean)
    .forEach((entry, index) => {
      const parsed = parseEntry(entry, index + 1);
      if ('problems' in parsed) {
        problems.push(...parsed.problems);
        return;
      }
      if (credentials.some((known) => known.clientId === parsed.credential.clientId)) {
        problems.push(`client "${parsed.credential.clientId}" is listed twice`);
      }
      if (credentials.some((known) => known.secret === parsed.credential.secret)) {
        problems.push(`client "${parsed.credential.clientId}" has the secret of another client; give each its own`);
      }
      credentials.push(parsed.credential);
    });
  if (problems.length > 0) {
    ctx.addIssue({ code: 'custom', message: `${problems.join('; ')} (format: ${SERVICE_CREDENTIAL_FORMAT}, entries separated by commas)` });
    return z.NEVER;
  }
  return credentials;
});

/** Why production refuses these credentials: the same test as the other secrets, and no secret reused from them. */
export function serviceCredentialWeaknesses(credentials: ServiceCredential[], otherSecrets: Array<string | undefined>): string[] {
  return credentials.flatMap((credential) => {
    const weakness = secretWeakness(credential.secret);
    if (weakness) return [`client "${credential.clientId}": the secret ${weakness}; generate one with \`openssl rand -hex 32\``];
    if (otherSecrets.includes(credential.secret)) {
      return [`client "${credential.clientId}": the secret must differ from REFRESH_TOKEN_PEPPER and KEY_ENCRYPTION_SECRET`];
    }
    return [];
  });
}

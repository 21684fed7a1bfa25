import 'reflect-metadata';
import { createResourceService } from './app.module.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const issuer = required('AUTH_ISSUER');
const clientId = process.env.SERVICE_CLIENT_ID;
const app = await createResourceService({
  issuer,
  audience: required('AUTH_AUDIENCE'),
  revocations: clientId
    ? {
        url: new URL('.well-known/revoked-sessions', issuer.endsWith('/') ? issuer : `${issuer}/`).href,
        pollMs: 5000,
        credentials: { clientId, clientSecret: required('SERVICE_CLIENT_SECRET') },
        failMode: 'closed',
      }
    : undefined,
});
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 4000), '127.0.0.1');
console.info(JSON.stringify({ msg: 'example resource service listening', url: await app.getUrl() }));

import 'reflect-metadata';
import { createResourceService } from './app.module.js';

function required(name: string): string {
  const value = process.env[name];
  if (!value) throw new Error(`${name} is required`);
  return value;
}

const clientId = process.env.SERVICE_CLIENT_ID;
// Revoked sessions arrive as OpenID Shared Signals: this process long-polls a stream of its own (the credential needs the ssf scope).
const app = await createResourceService({
  issuer: required('AUTH_ISSUER'),
  audience: required('AUTH_AUDIENCE'),
  sharedSignals: clientId
    ? { credentials: { clientId, clientSecret: required('SERVICE_CLIENT_SECRET') }, failMode: 'closed', description: 'example resource service' }
    : undefined,
});
app.enableShutdownHooks();
await app.listen(Number(process.env.PORT ?? 4000), '127.0.0.1');
console.info(JSON.stringify({ msg: 'example resource service listening', url: await app.getUrl() }));

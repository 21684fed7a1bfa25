import type { FastifyInstance, onResponseHookHandler } from 'fastify';
import type { Metrics } from './metrics.js';

/**
 * Request durations by route template. Each route gets its own onResponse
 * hook when it is registered, holding its histogram children already bound:
 * per request this costs one observe(), no label object and no lookup.
 * Requests no route matched are counted under the route `unmatched`.
 * Must be installed before the routes are registered (Nest registers them at init).
 */
export function installHttpMetrics(fastify: FastifyInstance, metrics: Metrics): void {
  fastify.addHook('onRoute', (route) => {
    const methods = Array.isArray(route.method) ? route.method : [route.method];
    const observers = Object.fromEntries(methods.map((method) => [method, metrics.requestObserver(method, route.url)]));
    const hook: onResponseHookHandler = (request, reply, done) => {
      observers[request.method]?.(reply.statusCode, reply.elapsedTime / 1000);
      done();
    };
    const existing = route.onResponse;
    route.onResponse = existing === undefined ? [hook] : [...(Array.isArray(existing) ? existing : [existing]), hook];
  });
  const unmatched = new Map<string, ReturnType<Metrics['requestObserver']>>();
  fastify.addHook('onResponse', (request, reply, done) => {
    if (request.is404) {
      // Method names only: an unmatched request's path is the caller's text, never a label.
      const method = ['GET', 'HEAD', 'POST', 'PUT', 'PATCH', 'DELETE', 'OPTIONS'].includes(request.method) ? request.method : 'OTHER';
      let observe = unmatched.get(method);
      if (!observe) unmatched.set(method, (observe = metrics.requestObserver(method, 'unmatched')));
      observe(reply.statusCode, reply.elapsedTime / 1000);
    }
    done();
  });
}

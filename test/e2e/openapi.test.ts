import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { ERROR_CATALOG } from '../../src/common/error-catalog.js';
import { startTestApp, type TestApp } from '../helpers/app.js';
import { HttpClient } from '../helpers/http-client.js';

const CHECKED_IN = join(import.meta.dirname, '../../openapi.json');

describe('the OpenAPI document and the pages the service serves (defaults outside production)', () => {
  let t: TestApp;
  beforeAll(async () => {
    t = await startTestApp({ env: { ADMIN_CONSOLE_ENABLED: 'true' } });
  });
  afterAll(() => t?.close());

  test('the checked-in openapi.json is what the running app describes', async () => {
    const served = await new HttpClient(t.baseUrl).get('/docs/openapi.json');
    expect(served.status).toBe(200);
    if (served.text !== readFileSync(CHECKED_IN, 'utf8')) {
      throw new Error('openapi.json differs from what the running app produces: run `npm run openapi` and commit the result');
    }
  });

  test('every route: its answers, its security, and only error codes of the catalog, with their statuses', () => {
    const document = JSON.parse(readFileSync(CHECKED_IN, 'utf8'));
    const operations = Object.entries(document.paths).flatMap(([path, item]) => Object.entries(item as object).map(([method, operation]) => ({ path, method, operation })));
    expect(operations.length).toBeGreaterThanOrEqual(20);
    for (const { path, method, operation } of operations) {
      expect({ path, method, security: Array.isArray(operation.security) }).toEqual({ path, method, security: true });
      for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
        const codes: string[] | undefined = response.content?.['application/json']?.schema?.allOf?.[1]?.properties?.error?.enum;
        for (const code of codes ?? []) expect({ code, status: ERROR_CATALOG[code as keyof typeof ERROR_CATALOG]?.status }).toEqual({ code, status: Number(status) });
      }
      expect(operation.responses['500']).toBeDefined();
    }
    const login = document.paths['/auth/login'].post;
    expect(login.security).toEqual([]);
    expect(Object.keys(login.responses).sort()).toEqual(['200', '400', '401', '413', '415', '429', '500', '503']);
    const revoke = document.paths['/admin/sessions/{id}/revoke'].post;
    expect(revoke.security).toEqual([{ accessCookie: [] }, { bearer: [] }]);
    expect(revoke.parameters.map((parameter: { name: string }) => parameter.name)).toContain('x-requested-with');
    expect(revoke.responses['403'].content['application/json'].schema.allOf[1].properties.error.enum).toEqual(['csrf_rejected', 'insufficient_role']);
    expect(document.paths['/metrics'].get.security).toEqual([{ metricsToken: [] }]);
    expect(document.components.securitySchemes.accessCookie).toEqual(expect.objectContaining({ type: 'apiKey', in: 'cookie', name: '__Host-access' }));
    expect(document.components.schemas.ErrorBody.properties.error.enum).toEqual(Object.keys(ERROR_CATALOG));
  });

  test('every route has a summary, and every body and every answer but 204 a schema that names its fields', () => {
    const document = JSON.parse(readFileSync(CHECKED_IN, 'utf8'));
    const resolve = (schema: any): any => (schema?.$ref ? document.components.schemas[schema.$ref.split('/').pop()] : schema);
    const describes = (schema: any): boolean => {
      const resolved = resolve(schema);
      if (!resolved) return false;
      if (resolved.allOf || resolved.oneOf) return (resolved.allOf ?? resolved.oneOf).some(describes);
      return Object.keys(resolved.properties ?? {}).length > 0 || resolved.additionalProperties !== undefined || ['string', 'array'].includes(resolved.type);
    };
    const gaps: string[] = [];
    for (const [path, item] of Object.entries(document.paths as Record<string, Record<string, any>>)) {
      for (const [method, operation] of Object.entries(item)) {
        const route = `${method.toUpperCase()} ${path}`;
        if (!operation.summary) gaps.push(`${route}: no summary`);
        for (const [type, body] of Object.entries((operation.requestBody?.content ?? {}) as Record<string, any>)) {
          if (!describes(body.schema)) gaps.push(`${route}: ${type} body without fields`);
        }
        for (const [status, response] of Object.entries(operation.responses as Record<string, any>)) {
          if (!status.startsWith('2') || status === '204') continue;
          const content = Object.values((response.content ?? {}) as Record<string, any>);
          if (content.length === 0 || !content.every((media) => describes(media.schema))) gaps.push(`${route}: ${status} without a schema`);
        }
      }
    }
    expect(gaps).toEqual([]);
  });

  test('/docs is an HTML page with its own Content-Security-Policy and no inline script; its assets come from this origin', async () => {
    const page = await new HttpClient(t.baseUrl).get('/docs');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-type')).toMatch(/^text\/html/);
    const csp = page.headers.get('content-security-policy')!;
    expect(csp).toContain("script-src 'self'");
    expect(csp).not.toContain('unsafe-inline');
    expect(csp).toContain("frame-ancestors 'none'");
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect(page.text).not.toMatch(/<style|style=/);
    for (const asset of [...page.text.matchAll(/(?:src|href)="([^"]+)"/g)].map((match) => match[1]!)) {
      const reply = await new HttpClient(t.baseUrl).get(asset);
      expect({ asset, status: reply.status }).toEqual({ asset, status: 200 });
    }
    // The API keeps its deny-all policy.
    expect((await new HttpClient(t.baseUrl).get('/health')).headers.get('content-security-policy')).toContain("default-src 'none'");
  });

  test('the admin console is served at ADMIN_CONSOLE_PATH with a strict policy; /metrics is off without METRICS_TOKEN', async () => {
    const redirect = await fetch(`${t.baseUrl}/console`, { redirect: 'manual' });
    expect(redirect.status).toBe(308);
    const page = await new HttpClient(t.baseUrl).get('/console/');
    expect(page.status).toBe(200);
    expect(page.headers.get('content-security-policy')).toBe(
      "default-src 'none'; script-src 'self'; style-src 'self'; connect-src 'self'; img-src 'self'; frame-ancestors 'none'; base-uri 'none'; form-action 'none'",
    );
    expect(page.text).not.toMatch(/<script(?![^>]*\bsrc=)[^>]*>/);
    expect((await new HttpClient(t.baseUrl).get('/console/console.js')).status).toBe(200);
    expect((await new HttpClient(t.baseUrl).get('/console/../package.json')).status).toBe(404);
    const metrics = await new HttpClient(t.baseUrl).get('/metrics', { headers: { authorization: 'Bearer anything-at-all-anything-at-all' } });
    expect({ status: metrics.status, error: metrics.body.error }).toEqual({ status: 404, error: 'not_found' });
  });
});

test('DOCS_ENABLED=false and ADMIN_CONSOLE_ENABLED=false: neither page exists', async () => {
  const t = await startTestApp({ env: { DOCS_ENABLED: 'false', ADMIN_CONSOLE_ENABLED: 'false' } });
  try {
    for (const path of ['/docs', '/docs/openapi.json', '/console/']) expect((await new HttpClient(t.baseUrl).get(path)).status).toBe(404);
  } finally {
    await t.close();
  }
});

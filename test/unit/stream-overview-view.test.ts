import { endpointShownToOps } from '../../src/admin/shared-signals.view.js';

describe("a push endpoint as ops see it", () => {
  test('a query, where receivers put secrets, is shown as ?…', () => {
    expect(endpointShownToOps('https://billing.example/ssf/events?token=s3cret&x=1')).toBe('https://billing.example/ssf/events?…');
  });

  test('an endpoint without a query is shown whole, port included', () => {
    expect(endpointShownToOps('https://billing.example:8443/ssf/events')).toBe('https://billing.example:8443/ssf/events');
  });

  test('an empty query shows nothing to hide', () => {
    expect(endpointShownToOps('http://127.0.0.1:4000/push?')).toBe('http://127.0.0.1:4000/push');
  });
});

import type { FastifyRequest } from 'fastify';
import { AppError } from '../../src/common/app-error.js';
import { parseJsonBody } from '../../src/common/json-body-parser.js';

interface DoneCall {
  error: Error | null;
  value: unknown;
}

/** Runs the parser and returns every call it made to done. */
function parse(body: Buffer | string): DoneCall[] {
  const calls: DoneCall[] = [];
  const buffer = typeof body === 'string' ? Buffer.from(body, 'utf8') : body;
  parseJsonBody({} as FastifyRequest, buffer, (error, value) => {
    calls.push({ error, value });
  });
  return calls;
}

function expectInvalidRequest(calls: DoneCall[]): void {
  expect(calls).toHaveLength(1);
  const error = calls[0]!.error;
  expect(error).toBeInstanceOf(AppError);
  expect((error as AppError).status).toBe(400);
  expect((error as AppError).code).toBe('invalid_request');
  expect(calls[0]!.value).toBeUndefined();
}

describe('parseJsonBody', () => {
  test('an empty buffer is no body: done(null, undefined)', () => {
    const calls = parse(Buffer.alloc(0));
    expect(calls).toEqual([{ error: null, value: undefined }]);
  });

  test('valid JSON becomes the object', () => {
    const calls = parse('{"email":"a@example.com","password":"correct horse","n":[1,2,{"x":null}]}');
    expect(calls).toHaveLength(1);
    expect(calls[0]!.error).toBeNull();
    expect(calls[0]!.value).toEqual({ email: 'a@example.com', password: 'correct horse', n: [1, 2, { x: null }] });
  });

  test('valid non-ASCII UTF-8 is decoded', () => {
    const calls = parse('{"name":"Zoë 日本"}');
    expect(calls[0]!.error).toBeNull();
    expect(calls[0]!.value).toEqual({ name: 'Zoë 日本' });
  });

  test('invalid JSON -> AppError 400 invalid_request', () => {
    expectInvalidRequest(parse('{"email": '));
  });

  test.each(['{', 'not json', "{'single': 'quotes'}", '{"a":1,}', '   '])('invalid JSON %p -> 400 invalid_request', (text) => {
    expectInvalidRequest(parse(text));
  });

  test('invalid UTF-8 bytes -> 400 invalid_request', () => {
    expectInvalidRequest(parse(Buffer.from([0xff, 0xfe])));
  });

  test('invalid UTF-8 inside an otherwise valid JSON string -> 400 invalid_request', () => {
    expectInvalidRequest(parse(Buffer.concat([Buffer.from('{"a":"'), Buffer.from([0xc3, 0x28]), Buffer.from('"}')])));
  });

  test('a "__proto__" key -> 400 invalid_request', () => {
    expectInvalidRequest(parse('{"__proto__": {"isAdmin": true}}'));
  });

  test('a nested "__proto__" key -> 400 invalid_request', () => {
    expectInvalidRequest(parse('{"user": {"__proto__": {"roles": ["admin"]}}}'));
  });

  test('a "constructor": {"prototype": ...} key -> 400 invalid_request', () => {
    expectInvalidRequest(parse('{"constructor": {"prototype": {"isAdmin": true}}}'));
  });

  test('the parsed object does not pollute Object.prototype', () => {
    parse('{"__proto__": {"polluted": true}}');
    parse('{"constructor": {"prototype": {"polluted": true}}}');
    expect(({} as Record<string, unknown>).polluted).toBeUndefined();
  });

  test('the error message does not echo the body', () => {
    const calls = parse('{"password": "hunter2-secret"');
    expectInvalidRequest(calls);
    expect(calls[0]!.error!.message).not.toContain('hunter2-secret');
  });
});

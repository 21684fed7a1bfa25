import { serializeError } from '../../src/common/error-serializer.js';

test("a driver error keeps its type, message, code and constraint, never the refused row or the client", () => {
  const error = Object.assign(new Error('new row for relation "users" violates check constraint "probe"'), {
    code: '23514',
    constraint: 'probe',
    detail: 'Failing row contains (1, ann@example.com, $argon2id$v=19$...)',
    where: 'SQL statement "INSERT ..."',
    client: { processID: 42, secretKey: 1234, connectionParameters: { user: 'auth' } },
  });
  const serialized = serializeError(error);
  expect(serialized).toMatchObject({ type: 'Error', message: error.message, code: '23514', constraint: 'probe' });
  expect(JSON.stringify(serialized)).not.toMatch(/ann@example|argon2|secretKey|processID|Failing row|INSERT/);
});

test("Prisma's nested driver error is reduced to its kind and code; causes are followed a few levels", () => {
  const inner = Object.assign(new Error('connect ECONNREFUSED 127.0.0.1:5432'), { code: 'ECONNREFUSED' });
  const error = Object.assign(new Error('Invalid `prisma.user.create()` invocation', { cause: inner }), {
    code: 'P2010',
    meta: { driverAdapterError: { cause: { kind: 'postgres', originalCode: '23505', detail: 'Key (email)=(ann@example.com) already exists.' } } },
  });
  const serialized = serializeError(error);
  expect(serialized.driverError).toEqual({ kind: 'postgres', code: '23505' });
  expect(serialized.cause).toMatchObject({ message: inner.message, code: 'ECONNREFUSED' });
  expect(JSON.stringify(serialized)).not.toContain('ann@example.com');
});

test('anything thrown that is not an object is written as text', () => {
  expect(serializeError('boom')).toEqual({ type: 'string', message: 'boom' });
});

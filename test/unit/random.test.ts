import { CryptoRandom } from '../../src/common/random.js';
import { isUuid } from '../../src/common/uuid.js';

const random = new CryptoRandom();

test('time-ordered ids are canonical UUIDv7 and sort in the order they were made', () => {
  const ids = Array.from({ length: 1000 }, () => random.timeOrderedUuid());
  for (const id of ids) {
    expect(isUuid(id)).toBe(true);
    expect(id[14]).toBe('7');
    expect('89ab').toContain(id[19]);
  }
  expect([...ids].sort()).toEqual(ids);
  expect(new Set(ids).size).toBe(ids.length);
});

test('a time-ordered id starts with the time it was made, in milliseconds', () => {
  const before = Date.now();
  const id = random.timeOrderedUuid();
  const after = Date.now();
  const millis = Number.parseInt(id.replaceAll('-', '').slice(0, 12), 16);
  expect(millis).toBeGreaterThanOrEqual(before);
  expect(millis).toBeLessThanOrEqual(after);
});

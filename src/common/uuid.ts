import type { PipeTransform } from '@nestjs/common';
import { AppError } from './app-error.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const ANY_CASE_UUID = new RegExp(UUID.source, 'i');

/** Lower-case canonical form only: ids are compared as strings (cache keys, ownership checks). */
export function isUuid(value: unknown): value is string {
  return typeof value === 'string' && UUID.test(value);
}

/** A UUID in either case, as clients may send it, in its canonical lower-case form; undefined if it is none. */
export function canonicalUuid(value: unknown): string | undefined {
  return typeof value === 'string' && ANY_CASE_UUID.test(value) ? value.toLowerCase() : undefined;
}

/**
 * The one pipe for UUID path parameters. It lower-cases, because the
 * database compares UUIDs in any case while this service's caches and
 * ownership checks compare strings.
 */
export function uuidParam(field: string): PipeTransform<string, string> {
  return {
    transform(value) {
      const id = canonicalUuid(value);
      if (id === undefined) throw AppError.invalidField(field, 'must be a UUID');
      return id;
    },
  };
}

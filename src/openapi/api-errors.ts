import { SetMetadata } from '@nestjs/common';
import type { Reflector } from '@nestjs/core';
import type { ErrorCode } from '../common/error-catalog.js';

const API_ERRORS = 'openapi:errors';

/**
 * The error codes a route answers with beyond those its route policy
 * already implies (authentication, CSRF, roles, rate limits, bad input,
 * 500 and 503 are added for every route from its policy): the OpenAPI
 * document lists each under its status, with the catalog's message.
 */
export const ApiErrors = (...codes: ErrorCode[]) => SetMetadata(API_ERRORS, codes);

export function readApiErrors(reflector: Reflector, handler: Function): readonly ErrorCode[] {
  return reflector.get<ErrorCode[] | undefined>(API_ERRORS, handler) ?? [];
}

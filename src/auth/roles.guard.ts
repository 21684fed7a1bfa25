import { type CanActivate, type ExecutionContext, Injectable, SetMetadata } from '@nestjs/common';
import { Reflector } from '@nestjs/core';
import type { FastifyRequest } from 'fastify';
import { AppError } from '../common/app-error.js';
import type { Principal } from './principal.js';

const REQUIRED_ROLES = 'auth:requiredRoles';

/** The caller needs every one of these roles (read fresh from the database by the access-token strategy). */
export const Roles = (...roles: string[]) => SetMetadata(REQUIRED_ROLES, roles);

@Injectable()
export class RolesGuard implements CanActivate {
  constructor(private readonly reflector: Reflector) {}

  canActivate(context: ExecutionContext): boolean {
    const required = this.reflector.getAllAndOverride<string[] | undefined>(REQUIRED_ROLES, [context.getHandler(), context.getClass()]);
    if (!required?.length) return true;
    const principal = context.switchToHttp().getRequest<FastifyRequest & { user?: Principal }>().user;
    if (principal && required.every((role) => principal.roles.includes(role))) return true;
    throw AppError.forbidden('insufficient_role', `This needs the role: ${required.join(', ')}.`);
  }
}

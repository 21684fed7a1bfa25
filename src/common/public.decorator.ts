import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'auth:isPublic';
export const USES_REFRESH_COOKIE = 'auth:usesRefreshCookie';

/** Opts a route out of the global access-token guard. Everything else is denied by default. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

/**
 * Marks a public route that acts on the refresh cookie (refresh, logout), so
 * that the CSRF guard treats it as cookie-authenticated.
 */
export const UsesRefreshCookie = () => SetMetadata(USES_REFRESH_COOKIE, true);

import type { SecuritySchemeObject } from '@nestjs/swagger';

/** The security scheme every /v1 route names (Nest's @ApiBearerAuth() default name). */
export const BEARER_SCHEME = 'bearer';
/** GET /metrics has its own token, needed only when METRICS_TOKEN is set. */
export const METRICS_SCHEME = 'metricsToken';

export const SECURITY_SCHEMES: Record<string, SecuritySchemeObject> = {
  [BEARER_SCHEME]: {
    type: 'http',
    scheme: 'bearer',
    // Opaque strings, not JWTs: the service compares keys by digest and looks session tokens up in Postgres.
    bearerFormat: 'opaque',
    description:
      'A service API key (SERVICE_API_KEYS, for the hub backend and sync jobs) or a connect session token ' +
      '(POST /v1/connect-sessions, for the browser; only the routes that say so accept it, others answer 403).',
  },
  [METRICS_SCHEME]: {
    type: 'http',
    scheme: 'bearer',
    bearerFormat: 'opaque',
    description: 'METRICS_TOKEN; GET /metrics is open when it is not set.',
  },
};

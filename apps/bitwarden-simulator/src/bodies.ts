// Exact error bodies of the two servers.
export const OFFICIAL_429_BODY = (period = '1m') => ({
  object: 'error',
  message: `Slow down! Too many requests. Try again in ${period}.`,
  validationErrors: null,
  exceptionMessage: null,
  exceptionStackTrace: null,
  innerExceptionMessage: null,
});

/** Vaultwarden's ApiErrorResponse envelope (src/error.rs): note `error` is an empty string. */
export function vwError(message: string): Record<string, unknown> {
  return {
    message,
    validationErrors: { '': [message] },
    errorModel: { message, object: 'error' },
    error: '',
    error_description: '',
    exceptionMessage: null,
    exceptionStackTrace: null,
    innerExceptionMessage: null,
    object: 'error',
  };
}

const ROCKET_REASONS: Record<number, [string, string]> = {
  400: ['Bad Request', 'The request could not be understood by the server due to malformed syntax.'],
  401: ['Unauthorized', 'The request requires user authentication.'],
  404: ['Not Found', 'The requested resource could not be found.'],
  415: ['Unsupported Media Type', 'The request entity has a media type which the server or resource does not support.'],
  422: ['Unprocessable Entity', 'The request was well-formed but was unable to be followed due to semantic errors.'],
};

/** Rocket's default JSON catcher body (Vaultwarden's api_not_found uses the same shape). */
export function rocketError(code: number): Record<string, unknown> {
  const [reason, description] = ROCKET_REASONS[code] ?? ['Error', 'An error occurred.'];
  return { error: { code, reason, description } };
}

export function modelStateError(errors: Record<string, string[]>): Record<string, unknown> {
  return { object: 'error', message: "The request's model state is invalid.", errors };
}

export const OFFICIAL_VERSION = '2026.1.0';
export const VW_VERSION = '2025.7.0';

import { ErrorCode } from '@app/common';

/**
 * Answers any request can get before its handler runs: Node's parser (bad HTTP, headers over 16 KiB), the JSON
 * body parser (bad JSON, too deep, over 16 KiB) and the media-type check. They hold for every operation, even one
 * that takes no body, because a client can still send one.
 */
export const EDGE_ERRORS: readonly ErrorCode[] = ['validation_failed', 'payload_too_large', 'unsupported_media_type', 'headers_too_large'];

/** The proxy reads its own bodies, of any media type: only the parser limits apply there. */
export const RAW_BODY_EDGE_ERRORS: readonly ErrorCode[] = ['validation_failed', 'headers_too_large'];

/** Every route behind the auth guard: no or a bad credential, and the stores it checks sessions against. */
export const AUTHENTICATED_ERRORS: readonly ErrorCode[] = ['unauthorized', 'unavailable'];

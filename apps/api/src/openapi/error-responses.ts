import { applyDecorators } from '@nestjs/common';
import { ApiResponse } from '@nestjs/swagger';
import type { HeadersObject, SchemaObject } from '@nestjs/swagger';
import { ErrorCode, ERROR_STATUS } from '@app/common';

/** Statuses whose answers carry Retry-After (rate_limited, provider_rate_limited, and unavailable when it knows). */
export const RETRY_AFTER_STATUSES: ReadonlySet<number> = new Set([429, 503]);

export const RETRY_AFTER_HEADER: HeadersObject = {
  'Retry-After': {
    description: 'Seconds to wait before trying again (always set on 429 and on 503 provider_rate_limited)',
    schema: { type: 'integer', minimum: 1 },
  },
};

/**
 * The error body with `code` narrowed to what this status can carry on this route: generators then type each
 * status's codes exactly, which one shared schema with every code could not.
 */
export function errorBodySchema(codes: readonly ErrorCode[]): SchemaObject {
  return {
    type: 'object',
    required: ['error'],
    properties: {
      error: {
        type: 'object',
        required: ['code', 'message'],
        properties: {
          code: { type: 'string', enum: [...codes] },
          message: { type: 'string', description: 'a plain sentence for a person; never a secret or an echoed input' },
          fields: {
            type: 'object',
            additionalProperties: { type: 'string' },
            description: 'the faulty inputs, each with its problem',
          },
        },
      },
    },
    example: { error: { code: codes[0], message: 'A plain sentence that says what went wrong.' } },
  };
}

export const describeCodes = (codes: readonly ErrorCode[]) => codes.map((c) => `\`${c}\``).join(', ');

/** Groups codes by the status the error-code table gives them. */
export function byStatus(codes: readonly ErrorCode[]): Map<number, ErrorCode[]> {
  const out = new Map<number, ErrorCode[]>();
  for (const code of codes) {
    const status = ERROR_STATUS[code];
    const list = out.get(status) ?? [];
    if (!list.includes(code)) list.push(code);
    out.set(status, list);
  }
  return out;
}

/**
 * The route's own error answers, one response per status. The answers every route shares (bad HTTP, headers or
 * bodies, a missing credential, a store outage) are added to every operation by the document's post-processing,
 * so a handler lists only what its own work can raise.
 */
export const ApiErrors = (...codes: ErrorCode[]) =>
  applyDecorators(
    ...[...byStatus(codes)].map(([status, list]) =>
      ApiResponse({
        status,
        description: describeCodes(list),
        schema: errorBodySchema(list),
        ...(RETRY_AFTER_STATUSES.has(status) ? { headers: RETRY_AFTER_HEADER } : {}),
      }),
    ),
  );

import { ACCOUNT_STATUSES, ERROR_STATUS } from '@app/common';

/** The `type` of every webhook event, in the order a receiver usually meets them. */
export const WEBHOOK_EVENT_TYPES = [
  'account.linked',
  'account.relinked',
  'account.status_changed',
  'account.suspended',
  'account.resumed',
  'account.deleted',
] as const;

/** A 3.1 schema (type arrays, const), which Nest's 3.0 typings cannot express. */
export type Json31 = Record<string, unknown>;

const STATUS_OR_NULL = { type: ['string', 'null'], enum: [...ACCOUNT_STATUSES, null] };

/** The body apps/worker's webhook relay POSTs (webhookPayload). Not closed: receivers must accept new fields. */
export const WEBHOOK_EVENT_SCHEMA: Json31 = {
  type: 'object',
  required: ['id', 'type', 'createdAt', 'accountId', 'ownerId', 'sequence', 'data'],
  properties: {
    id: { type: 'string', example: 'evt_42', description: 'the event id in GET /v1/accounts/{id}/events; also the Webhook-Id header' },
    type: { type: 'string', enum: [...WEBHOOK_EVENT_TYPES] },
    createdAt: { type: 'string', format: 'date-time' },
    accountId: { type: 'string', format: 'uuid' },
    ownerId: { type: 'string', example: 'tenant-42' },
    sequence: { type: 'integer', minimum: 1, description: 'counts per account: order by it, deliveries may come twice or out of order' },
    data: {
      type: 'object',
      required: ['from', 'to', 'reason', 'message'],
      properties: {
        from: { ...STATUS_OR_NULL, description: 'the status before; null where not a transition' },
        to: { ...STATUS_OR_NULL, description: 'the status after; null where not a transition' },
        reason: { type: ['string', 'null'], enum: [...Object.keys(ERROR_STATUS), null], description: 'an error code, or null' },
        message: { type: ['string', 'null'], description: 'the person-readable sentence of reason, or null' },
      },
    },
  },
  example: {
    id: 'evt_42',
    type: 'account.status_changed',
    createdAt: '2025-05-01T12:00:00.000Z',
    accountId: '8d0c3c38-2f0e-4a55-9a43-6c1f9f0e6b11',
    ownerId: 'tenant-42',
    sequence: 2,
    data: { from: 'active', to: 'needs_relink', reason: 'credentials_rejected', message: 'Bitwarden rejected the API key.' },
  },
};

const header = (name: string, description: string, schema: Json31) => ({ name, in: 'header', required: true, description, schema });

/** The `webhooks` section (OpenAPI 3.1): one POST per event type, all with the same signed envelope. */
export function webhooksSection(): Record<string, unknown> {
  const parameters = [
    header('Webhook-Id', 'the event id (the same as the body id): deduplicate on it', { type: 'string', example: 'evt_42' }),
    header('Webhook-Timestamp', 'unix seconds when this delivery was signed; refuse stale ones (replays)', { type: 'string', pattern: '^[0-9]+$', example: '1746100800' }),
    header('Webhook-Signature', 'v1=<hex HMAC-SHA256 of "{Webhook-Timestamp}.{raw body}" with WEBHOOK_SECRET>; compare in constant time', {
      type: 'string',
      pattern: '^v1=[0-9a-f]{64}$',
    }),
  ];
  return Object.fromEntries(
    WEBHOOK_EVENT_TYPES.map((type) => [
      type,
      {
        post: {
          operationId: `webhook_${type.replace(/[^a-z]+/g, '_')}`,
          summary: `${type}: POSTed to WEBHOOK_URL once the event is committed (at least once, retried with backoff)`,
          tags: ['webhooks'],
          parameters,
          requestBody: {
            required: true,
            content: {
              'application/json': {
                schema: { allOf: [{ $ref: '#/components/schemas/WebhookEvent' }, { type: 'object', properties: { type: { const: type } } }] },
              },
            },
          },
          responses: { '2XX': { description: 'received; any other answer (or none in time) is retried' } },
        },
      },
    ]),
  );
}

import type { OpenAPIObject, OperationObject, ParameterObject, ResponseObject, SchemaObject } from '@nestjs/swagger';
import { ErrorCode, ERROR_STATUS } from '@app/common';
import { AUTHENTICATED_ERRORS, EDGE_ERRORS, RAW_BODY_EDGE_ERRORS } from './edge-errors';
import { byStatus, describeCodes, errorBodySchema, RETRY_AFTER_HEADER, RETRY_AFTER_STATUSES } from './error-responses';
import { exampleOf } from './examples';
import { nullableToTypeArrays } from './openapi-31';
import { BEARER_SCHEME, METRICS_SCHEME, SECURITY_SCHEMES } from './security';
import { WEBHOOK_EVENT_SCHEMA, webhooksSection } from './webhooks';

export const HTTP_METHODS = ['get', 'put', 'post', 'delete', 'options', 'head', 'patch', 'trace'] as const;

/** The one documented path of the proxy; Nest serves it as `bitwarden` and `bitwarden/*path`. */
export const PROXY_PATH = '/v1/accounts/{id}/bitwarden/public/{rest}';
const PROXY_PREFIX = '/v1/accounts/{id}/bitwarden';

const REST_PARAMETER: ParameterObject = {
  name: 'rest',
  in: 'path',
  required: true,
  description:
    'The rest of the Bitwarden Public API path after `public/`, for example `members` or `members/{memberId}/groups`. ' +
    'It takes slashes, sent as they are: the proxy refuses an encoded `/` or `\\`, `.` or `..` segments and empty ' +
    'segments (400 validation_failed, fields.path, no outbound call). Generators percent-encode path parameters, so ' +
    'build this URL by hand (the TypeScript client has client.bitwarden(accountId) for it). The query string is passed on unchanged.',
  schema: { type: 'string', pattern: '^[^/].*$', example: 'members' },
};

type Operations = Record<string, OperationObject>;

const operationsOf = (doc: OpenAPIObject): Array<[string, string, OperationObject]> =>
  Object.entries(doc.paths).flatMap(([path, item]) =>
    HTTP_METHODS.filter((m) => (item as Operations)[m]).map((m) => [path, m, (item as Operations)[m]] as [string, string, OperationObject]),
  );

/** Codes already documented on a response built by errorBodySchema, or none. */
function codesOf(res: ResponseObject | undefined): ErrorCode[] {
  const schema = res?.content?.['application/json']?.schema as SchemaObject | undefined;
  const code = (schema?.properties?.error as SchemaObject | undefined)?.properties?.code as SchemaObject | undefined;
  return (code?.enum ?? []) as ErrorCode[];
}

function addErrors(op: OperationObject, codes: readonly ErrorCode[]): void {
  for (const [status, list] of byStatus(codes)) {
    const key = String(status);
    const merged = [...new Set([...codesOf(op.responses[key] as ResponseObject | undefined), ...list])];
    op.responses[key] = {
      description: describeCodes(merged),
      content: { 'application/json': { schema: errorBodySchema(merged) } },
      ...(RETRY_AFTER_STATUSES.has(status) ? { headers: RETRY_AFTER_HEADER } : {}),
    };
  }
}

/** The proxy's two Nest routes become one operation per method on PROXY_PATH, with `rest` described. */
function foldProxyPaths(doc: OpenAPIObject): void {
  const keys = Object.keys(doc.paths).filter((p) => p === PROXY_PREFIX || p.startsWith(`${PROXY_PREFIX}/`));
  if (!keys.length) return;
  const source = doc.paths[keys.find((k) => k !== PROXY_PREFIX) ?? keys[0]] as Operations;
  for (const k of keys) delete doc.paths[k];
  const item: Operations = {};
  for (const m of HTTP_METHODS) {
    const op = source[m];
    if (!op) continue;
    const id = (op.parameters ?? []).filter((p) => (p as ParameterObject).name === 'id');
    item[m] = {
      ...op,
      description:
        'Sends the request to `{apiBaseUrl}/public/{rest}?{query}` of the account with its access token and relays the answer, streamed. ' +
        'Only `Content-Type` and `Accept` are passed on. Every answer from Bitwarden keeps its status and body and carries ' +
        '`X-Bitwarden-Connect-Upstream: 1`; the error answers below are the service\'s own (no such header), given only when no answer came.',
      parameters: [...id, REST_PARAMETER],
      ...(m === 'post' || m === 'put'
        ? { requestBody: { required: false, description: 'relayed as it is (any media type), up to PROXY_MAX_BODY_BYTES', content: { '*/*': { schema: {} } } } }
        : {}),
    };
  }
  doc.paths[PROXY_PATH] = item;
}

/** Request bodies are closed: the validation pipe refuses unknown fields with 400. */
function closeRequestBodies(doc: OpenAPIObject): void {
  const schemas = doc.components?.schemas ?? {};
  for (const [, , op] of operationsOf(doc)) {
    const body = op.requestBody as { content?: Record<string, { schema?: SchemaObject & { $ref?: string } }> } | undefined;
    for (const media of Object.values(body?.content ?? {})) {
      const ref = media.schema?.$ref?.replace('#/components/schemas/', '');
      const target = (ref ? schemas[ref] : media.schema) as SchemaObject | undefined;
      if (target?.type === 'object' || target?.properties) target.additionalProperties = false;
    }
  }
}

function addExamples(doc: OpenAPIObject): void {
  const schemas = (doc.components?.schemas ?? {}) as Record<string, SchemaObject>;
  const withExample = (content: Record<string, { schema?: SchemaObject; example?: unknown }> | undefined) => {
    const media = content?.['application/json'];
    if (!media?.schema || media.example !== undefined) return;
    const example = exampleOf(media.schema, schemas);
    if (example !== undefined && !(typeof example === 'object' && example !== null && !Object.keys(example).length)) media.example = example;
  };
  for (const [, , op] of operationsOf(doc)) {
    withExample((op.requestBody as { content?: Record<string, { schema?: SchemaObject }> } | undefined)?.content);
    for (const [status, res] of Object.entries(op.responses)) {
      if (/^2/.test(status)) withExample((res as ResponseObject).content as Record<string, { schema?: SchemaObject }>);
    }
  }
}

/**
 * Turns Nest's generated document into the one served and fed to generators: every error a route can answer, the
 * proxy as one path, closed request bodies, examples, OpenAPI 3.1 with the webhooks.
 */
/** Swagger UI and this document are served by SwaggerModule, outside Nest's controllers: described here. */
function addDocsPaths(doc: OpenAPIObject): void {
  doc.paths['/docs'] = {
    get: { operationId: 'docsUi', summary: 'Swagger UI for this document', tags: ['operations'], responses: { '200': { description: 'the UI', content: { 'text/html': { schema: { type: 'string' } } } } } },
  };
  doc.paths['/docs/openapi.json'] = {
    get: { operationId: 'openApiDocument', summary: 'This OpenAPI document', tags: ['operations'], responses: { '200': { description: 'the document', content: { 'application/json': { schema: { type: 'object' } } } } } },
  };
}

export function finishDocument(doc: OpenAPIObject): OpenAPIObject {
  foldProxyPaths(doc);
  addDocsPaths(doc);
  for (const [path, , op] of operationsOf(doc)) {
    for (const p of (op.parameters ?? []) as ParameterObject[]) {
      // Every {id} is a UUID; anything else answers 404 not_found, which the schema lets clients know up front.
      if (p.in === 'path' && p.name === 'id') p.schema = { type: 'string', format: 'uuid' };
    }
    const authenticated = (op.security ?? []).some((s) => BEARER_SCHEME in s);
    addErrors(op, [...(path === PROXY_PATH ? RAW_BODY_EDGE_ERRORS : EDGE_ERRORS), ...(authenticated ? AUTHENTICATED_ERRORS : [])]);
    // The metrics token is needed only when METRICS_TOKEN is set: `{}` says "or no credential".
    if ((op.security ?? []).some((s) => METRICS_SCHEME in s)) op.security = [{}, { [METRICS_SCHEME]: [] }];
  }
  closeRequestBodies(doc);
  doc.components = {
    ...doc.components,
    securitySchemes: SECURITY_SCHEMES,
    schemas: {
      ...doc.components?.schemas,
      ErrorCode: { type: 'string', enum: Object.keys(ERROR_STATUS), description: 'every error code; each response lists those it can carry' },
      Error: errorBodySchema(Object.keys(ERROR_STATUS) as ErrorCode[]),
      WebhookEvent: WEBHOOK_EVENT_SCHEMA as SchemaObject,
    },
  };
  addExamples(doc);
  nullableToTypeArrays(doc);
  const out = { ...doc, openapi: '3.1.0', webhooks: webhooksSection() } as OpenAPIObject & { webhooks: unknown };
  return out;
}

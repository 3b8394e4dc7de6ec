import { NestFactory } from '@nestjs/core';
import type { OpenAPIObject } from '@nestjs/swagger';
import { ApiModule } from '../api.module';
import { openApiDocument } from '../bootstrap';

/**
 * Placeholders that pass configuration checks: preview mode never connects to a store, and nothing in the
 * document depends on configuration, so the generated client does not either.
 */
const DOCUMENT_ENV: Record<string, string> = {
  DATABASE_URL: 'postgres://openapi@127.0.0.1:1/openapi',
  REDIS_URL: 'redis://127.0.0.1:1/0',
  ENCRYPTION_KEYS: `doc:${Buffer.alloc(32).toString('base64')}`,
  SERVICE_API_KEYS: 'doc:openapi-document-placeholder-key-000000',
  LOG_LEVEL: 'silent',
};

/** The served document, built without Postgres or Redis (Nest's preview mode instantiates no provider). */
export async function buildOpenApiDocument(): Promise<OpenAPIObject> {
  const app = await NestFactory.create(ApiModule.forRoot(DOCUMENT_ENV), { preview: true, logger: false });
  try {
    return openApiDocument(app);
  } finally {
    await app.close();
  }
}

import type { IncomingMessage } from 'node:http';
import { INestApplication } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { NestExpressApplication } from '@nestjs/platform-express';
import { DocumentBuilder, SwaggerModule } from '@nestjs/swagger';
import helmet from 'helmet';
import { Logger } from 'nestjs-pino';
import { AppConfig } from '@app/config';
import { ApiModule } from './api.module';
import { finishDocument } from './openapi/finish-document';
import { operationIdFactory } from './openapi/operation-ids';
import { answerClientErrors } from './common/client-errors';
import { refuseDeepJson } from './common/json-depth';
import { assignRequestId } from './common/logging';
import { httpMetrics } from './common/http-metrics';
import { shieldProxyEscapes } from './proxy/proxy-escapes';
import { RAW_BODY_PATHS, isJsonMediaType, requireJsonBodies } from './common/media-type';

export const BODY_LIMIT = '16kb';

/** The served document (also what `npm run client:generate` writes): Nest's, finished by finishDocument. */
export function openApiDocument(app: INestApplication) {
  const doc = new DocumentBuilder()
    .setTitle('bitwarden-connect')
    .setDescription(
      "Links hub customers' Bitwarden organizations and serves their access tokens to sync jobs. Every error is " +
        '`{"error": {code, message, fields?}}`; each response lists the codes it can carry.',
    )
    .setVersion('2')
    .build();
  return finishDocument(SwaggerModule.createDocument(app, doc, { operationIdFactory }));
}

/** Builds the API application (not yet listening). `env` defaults to process.env; tests pass their own. */
export async function createApiApp(env: Record<string, string | undefined> = process.env): Promise<NestExpressApplication> {
  const app = await NestFactory.create<NestExpressApplication>(ApiModule.forRoot(env), { bufferLogs: true, bodyParser: false });
  app.useLogger(app.get(Logger));
  const config = app.get(AppConfig);
  app.disable('x-powered-by');
  app.set('trust proxy', false);
  app.use(assignRequestId); // first, so even body-parser rejections carry X-Request-Id
  app.use(httpMetrics);
  app.use(helmet());
  app.use(shieldProxyEscapes);
  app.use(requireJsonBodies);
  // JSON only: a form body is refused above rather than parsed into something the DTOs half accept.
  // The proxy reads its own bodies (up to PROXY_MAX_BODY_BYTES, kept raw for Bitwarden): the JSON parser skips it.
  app.useBodyParser('json', {
    limit: BODY_LIMIT,
    verify: refuseDeepJson,
    type: (req: IncomingMessage) => !RAW_BODY_PATHS.test(req.url ?? '') && isJsonMediaType(req.headers['content-type']),
  });
  answerClientErrors(app.getHttpServer());
  if (config.corsOrigins.length) {
    app.enableCors({
      origin: config.corsOrigins,
      methods: ['GET', 'POST', 'PUT'],
      allowedHeaders: ['Authorization', 'Content-Type', 'Idempotency-Key', 'X-Request-Id'],
      exposedHeaders: ['X-Request-Id', 'Retry-After'],
      maxAge: 600,
    });
  }
  const document = openApiDocument(app);
  SwaggerModule.setup('docs', app, document, { jsonDocumentUrl: 'docs/openapi.json' });
  return app;
}

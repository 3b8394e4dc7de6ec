import { INestApplicationContext } from '@nestjs/common';
import { NestFactory } from '@nestjs/core';
import { Logger } from 'nestjs-pino';
import { WorkerModule } from './worker.module';

/** Builds and starts the worker (sweep + queue workers). `env` defaults to process.env; tests pass their own. */
export async function createWorker(env: Record<string, string | undefined> = process.env): Promise<INestApplicationContext> {
  const app = await NestFactory.createApplicationContext(WorkerModule.forRoot(env), { bufferLogs: true });
  app.useLogger(app.get(Logger));
  await app.init();
  return app;
}

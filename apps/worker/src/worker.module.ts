import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AccountsModule } from '@app/accounts';
import { REDACT_PATHS } from '@app/common';
import { AppConfig, ConfigModule } from '@app/config';
import { QueueModule } from '@app/queue';
import { RedisModule } from '@app/redis';
import { AccountJobsProcessor } from './jobs/account-jobs.processor';
import { Sweeper } from './jobs/sweeper.service';
import { EventRetention } from './maintenance/event-retention.service';
import { OpsSampler } from './ops/ops-sampler.service';
import { WorkerMetrics } from './ops/worker.metrics';
import { WorkerRuntime } from './processors/worker-runtime';
import { WebhookRelay } from './webhooks/webhook-relay.service';
import { WorkerHealth } from './worker-health';

/** The worker: the sweep, the job processor and the webhook relay over the Account aggregate; no HTTP API. */
@Module({})
export class WorkerModule {
  static forRoot(env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(env),
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (c: AppConfig) => ({ pinoHttp: { level: c.logLevel, redact: { paths: REDACT_PATHS, censor: '[redacted]' } } }),
        }),
        RedisModule,
        QueueModule,
        AccountsModule,
      ],
      providers: [AccountJobsProcessor, Sweeper, WebhookRelay, WorkerRuntime, WorkerHealth, EventRetention, WorkerMetrics, OpsSampler],
    };
  }
}

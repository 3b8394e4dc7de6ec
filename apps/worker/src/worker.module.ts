import { DynamicModule, Module } from '@nestjs/common';
import { LoggerModule } from 'nestjs-pino';
import { AccountsModule } from '@app/accounts';
import { AppConfig, ConfigModule } from '@app/config';
import { QueueModule } from '@app/queue';
import { RedisModule } from '@app/redis';
import { WorkerRuntime } from './processors/worker-runtime';
import { WorkerHealth } from './worker-health';

/** Same domain providers as the API, no controllers: the worker's work comes from BullMQ and the sweep. */
@Module({})
export class WorkerModule {
  static forRoot(env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: WorkerModule,
      imports: [
        ConfigModule.forRoot(env),
        LoggerModule.forRootAsync({
          inject: [AppConfig],
          useFactory: (c: AppConfig) => ({ pinoHttp: { level: c.logLevel, redact: ['*.clientSecret', '*.accessToken', '*.token', '*.secret'] } }),
        }),
        RedisModule,
        QueueModule,
        AccountsModule,
      ],
      providers: [WorkerRuntime, WorkerHealth],
    };
  }
}

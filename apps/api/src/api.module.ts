import { DynamicModule, Module } from '@nestjs/common';
import { APP_FILTER, APP_GUARD, APP_INTERCEPTOR, APP_PIPE } from '@nestjs/core';
import { TerminusModule } from '@nestjs/terminus';
import { ThrottlerModule } from '@nestjs/throttler';
import { ThrottlerStorageRedisService } from '@nest-lab/throttler-storage-redis';
import { LoggerModule } from 'nestjs-pino';
import { AccountsModule } from '@app/accounts';
import { AppConfig, ConfigModule } from '@app/config';
import { QueueModule } from '@app/queue';
import { RedisModule, RedisService } from '@app/redis';
import { DatabaseModule } from '@app/database';
import { AccountsController } from './accounts/accounts.controller';
import { TokensController } from './accounts/tokens.controller';
import { HostsController } from './hosts/hosts.controller';
import { HostsService } from './hosts/hosts.service';
import { AccountLifecycleController } from './accounts/account-lifecycle.controller';
import { OwnersController } from './accounts/owners.controller';
import { IdempotencyInterceptor } from './idempotency/idempotency.interceptor';
import { IdempotencyRepository } from './idempotency/idempotency.repository';
import { IdempotencyService } from './idempotency/idempotency.service';
import { PurgeService } from './maintenance/purge.service';
import { ConnectSessionsController } from './sessions/connect-sessions.controller';
import { ConnectSessionsRepository } from './sessions/connect-sessions.repository';
import { ConnectSessionsService } from './sessions/connect-sessions.service';
import { AuthGuard } from './common/auth';
import { ErrorFilter } from './common/error.filter';
import { loggerParams } from './common/logging';
import { validationPipe } from './common/validation';
import { UndeclaredInputInterceptor } from './common/undeclared-input.interceptor';
import { HealthController } from './health/health.controller';
import { MetricsController } from './health/metrics.controller';
import { DemoController } from './demo/demo.controller';
import { ConnectPageController } from './connect/connect-page.controller';
import { ProxyController } from './proxy/proxy.controller';
import { ProxyService } from './proxy/proxy.service';

@Module({})
export class ApiModule {
  static forRoot(env: Record<string, string | undefined> = process.env): DynamicModule {
    return {
      module: ApiModule,
      imports: [
        ConfigModule.forRoot(env),
        LoggerModule.forRootAsync({ inject: [AppConfig], useFactory: loggerParams }),
        RedisModule,
        QueueModule,
        DatabaseModule,
        AccountsModule,
        TerminusModule.forRoot({ logger: false }),
        ThrottlerModule.forRootAsync({
          inject: [AppConfig, RedisService],
          useFactory: (config: AppConfig, redis: RedisService) => ({
            throttlers: [
              { name: 'owner', ttl: 60_000, limit: config.linkRateLimitPerMinute },
              { name: 'session', ttl: 60_000, limit: Math.max(1, Math.floor(config.linkRateLimitPerMinute / 2)) },
            ],
            storage: new ThrottlerStorageRedisService(redis.client),
          }),
        }),
      ],
      controllers: [AccountsController, TokensController, AccountLifecycleController, OwnersController, ConnectSessionsController, HostsController, HealthController, MetricsController, DemoController, ConnectPageController, ProxyController],
      providers: [
        ConnectSessionsRepository,
        ConnectSessionsService,
        IdempotencyRepository,
        IdempotencyService,
        IdempotencyInterceptor,
        PurgeService,
        HostsService,
        ProxyService,
        { provide: APP_GUARD, useClass: AuthGuard },
        { provide: APP_FILTER, useClass: ErrorFilter },
        { provide: APP_PIPE, useValue: validationPipe },
        { provide: APP_INTERCEPTOR, useClass: UndeclaredInputInterceptor },
      ],
    };
  }
}

import { DynamicModule, Global, Module } from '@nestjs/common';
import { AppConfig } from './app-config';

@Global()
@Module({})
export class ConfigModule {
  /** `env` defaults to process.env; tests pass their own record so nothing global is mutated. */
  static forRoot(env: Record<string, string | undefined> = process.env, opts: { serviceKeys?: boolean } = {}): DynamicModule {
    return { module: ConfigModule, providers: [{ provide: AppConfig, useValue: new AppConfig(env, opts) }], exports: [AppConfig] };
  }
}

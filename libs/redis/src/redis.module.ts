import { Global, Module } from '@nestjs/common';
import { RedisLock } from './redis-lock';
import { RedisService } from './redis.service';

@Global()
@Module({ providers: [RedisService, RedisLock], exports: [RedisService, RedisLock] })
export class RedisModule {}

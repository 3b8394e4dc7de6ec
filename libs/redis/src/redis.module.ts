import { Global, Module } from '@nestjs/common';
import { InvalidationChannels } from './invalidation-channel';
import { RedisLock } from './redis-lock';
import { RedisSubscriber } from './redis-subscriber';
import { RedisService } from './redis.service';

@Global()
@Module({
  providers: [RedisService, RedisLock, RedisSubscriber, InvalidationChannels],
  exports: [RedisService, RedisLock, RedisSubscriber, InvalidationChannels],
})
export class RedisModule {}

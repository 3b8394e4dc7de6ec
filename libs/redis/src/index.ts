export * from './redis.service';
export * from './redis.module';
export * from './redis-lock';
export * from './redis-subscriber';
export * from './invalidation-channel';
export * from './locked-interval';
export * from './lua-script';

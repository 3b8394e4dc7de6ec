export * from './jobs';
export * from './job-producer';
export * from './queue.module';

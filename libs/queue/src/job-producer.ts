import { Injectable, OnApplicationShutdown } from '@nestjs/common';
import { Queue } from 'bullmq';
import { RedisService } from '@app/redis';
import { JOB_PRIORITY, JOB_QUEUE, JobItem, jobIdFor, QueueName } from './jobs';

export const BULL_PREFIX = 'bwc-bull';

/** The one place that talks to BullMQ queues: routing, ids, priorities and default options. */
@Injectable()
export class JobProducer implements OnApplicationShutdown {
  private readonly queues = new Map<QueueName, Queue>();

  constructor(private readonly redis: RedisService) {}

  queue(name: QueueName): Queue {
    let q = this.queues.get(name);
    if (!q) {
      q = new Queue(name, { connection: this.redis.bullConnection(false), prefix: BULL_PREFIX });
      q.on('error', () => undefined);
      this.queues.set(name, q);
    }
    return q;
  }

  async add(item: JobItem, opts: { delayMs?: number } = {}): Promise<void> {
    await this.queue(JOB_QUEUE[item.name]).add(item.name, item.data, {
      jobId: jobIdFor(item),
      priority: JOB_PRIORITY[item.name],
      delay: opts.delayMs,
      attempts: 5,
      backoff: { type: 'exponential', delay: 1000, jitter: 0.5 },
      removeOnComplete: true,
      removeOnFail: true,
    });
  }

  /** One add() per job: add() is what honours jobId de-duplication. */
  async addAll(items: JobItem[]): Promise<void> {
    await Promise.all(items.map((it) => this.add(it)));
  }

  /** Removes a waiting or delayed job (an active one finishes and then finds its account gone). */
  async remove(item: JobItem): Promise<void> {
    await this.queue(JOB_QUEUE[item.name]).remove(jobIdFor(item)).catch(() => 0);
  }

  async onApplicationShutdown(): Promise<void> {
    await Promise.all([...this.queues.values()].map((q) => q.close().catch(() => undefined)));
  }
}

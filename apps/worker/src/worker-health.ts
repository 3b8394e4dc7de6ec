import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createServer, Server } from 'node:http';
import { DataSource } from 'typeorm';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/redis';
import { WorkerRuntime } from './processors/worker-runtime';

/**
 * Optional liveness/readiness over HTTP (WORKER_HEALTH_PORT). Ready means Postgres and Redis answer AND the work
 * actually moves: the last sweep succeeded recently — a ping alone can lie after a Redis outage (BullMQ #4585).
 */
@Injectable()
export class WorkerHealth implements OnApplicationBootstrap, OnApplicationShutdown {
  private server: Server | null = null;

  constructor(
    private readonly runtime: WorkerRuntime,
    private readonly redis: RedisService,
    private readonly config: AppConfig,
    @InjectDataSource() private readonly ds: DataSource,
  ) {}

  async status(): Promise<{ ready: boolean; postgres: boolean; redis: boolean; sweeping: boolean }> {
    const postgres = await this.ds.query('SELECT 1').then(() => true, () => false);
    const redis = await this.redis.client.ping().then(() => true, () => false);
    const sweeping = Date.now() - this.runtime.lastSweepOkAt < 30_000;
    return { ready: postgres && redis && sweeping, postgres, redis, sweeping };
  }

  onApplicationBootstrap(): void {
    const port = this.config.workerHealthPort;
    if (!port) return;
    this.server = createServer((req, res) => {
      if (req.url === '/health/live') return void res.writeHead(200, { 'content-type': 'application/json' }).end('{"status":"ok"}');
      if (req.url !== '/health/ready') return void res.writeHead(404).end();
      void this.status().then((s) => res.writeHead(s.ready ? 200 : 503, { 'content-type': 'application/json' }).end(JSON.stringify(s)));
    });
    this.server.listen(port, this.config.workerHealthHost);
  }

  onApplicationShutdown(): void {
    this.server?.close();
  }
}

import { Injectable, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { InjectDataSource } from '@nestjs/typeorm';
import { createServer, IncomingMessage, Server, ServerResponse } from 'node:http';
import { register } from 'prom-client';
import { DataSource } from 'typeorm';
import { metricsAuthorized } from '@app/common';
import { AppConfig } from '@app/config';
import { RedisService } from '@app/redis';
import { WorkerRuntime } from './processors/worker-runtime';

const json = (res: ServerResponse, status: number, body: unknown) =>
  void res.writeHead(status, { 'content-type': 'application/json' }).end(JSON.stringify(body));

/**
 * Optional liveness/readiness and /metrics over HTTP (WORKER_HEALTH_PORT). /metrics asks for METRICS_TOKEN when set,
 * answering like the API does (401 in the error shape). Ready means Postgres and Redis answer AND the work
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

  /** Boot waits for the listener: a port already taken stops the worker instead of leaving it unobservable. */
  async onApplicationBootstrap(): Promise<void> {
    const port = this.config.workerHealthPort;
    if (!port) return;
    const server = createServer((req, res) => void this.route(req, res).catch(() => json(res, 500, { error: { code: 'internal_error', message: 'The health listener failed.' } })));
    await new Promise<void>((resolve, reject) => {
      server.once('error', reject);
      server.listen(port, this.config.workerHealthHost, () => resolve());
    });
    this.server = server;
  }

  private async route(req: IncomingMessage, res: ServerResponse): Promise<void> {
    const path = (req.url ?? '').split('?')[0];
    if (path === '/health/live') return json(res, 200, { status: 'ok' });
    if (path === '/health/ready') {
      const s = await this.status();
      return json(res, s.ready ? 200 : 503, s);
    }
    if (path === '/metrics') {
      if (!metricsAuthorized(req.headers.authorization, this.config.metricsToken)) {
        return json(res, 401, { error: { code: 'unauthorized', message: 'GET /metrics needs the metrics token: Authorization: Bearer <METRICS_TOKEN>.' } });
      }
      const text = await register.metrics();
      return void res.writeHead(200, { 'content-type': register.contentType }).end(text);
    }
    return json(res, 404, { error: { code: 'not_found', message: 'No such route.' } });
  }

  onApplicationShutdown(): void {
    this.server?.close();
  }
}

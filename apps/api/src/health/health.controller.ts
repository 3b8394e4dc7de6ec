import { Controller, Get, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiTags, SchemaObject } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Response } from 'express';
import { RedisService } from '@app/redis';
import { Public } from '../common/auth';

const INDICATOR: SchemaObject = { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['up', 'down'] } }, additionalProperties: true };
const INDICATORS: SchemaObject = { type: 'object', additionalProperties: INDICATOR };

/** The health checker's own report (not the error shape): which of postgres and redis is up. */
const READINESS: SchemaObject = {
  type: 'object',
  required: ['status'],
  properties: { status: { type: 'string', enum: ['ok', 'error'] }, info: INDICATORS, error: INDICATORS, details: INDICATORS },
  example: { status: 'ok', info: { postgres: { status: 'up' }, redis: { status: 'up' } }, error: {}, details: { postgres: { status: 'up' }, redis: { status: 'up' } } },
};

@ApiTags('operations')
@Public()
@Controller('health')
export class HealthController {
  constructor(
    private readonly health: HealthCheckService,
    private readonly db: TypeOrmHealthIndicator,
    private readonly indicators: HealthIndicatorService,
    private readonly redis: RedisService,
  ) {}

  @Get('live')
  @ApiOperation({ operationId: 'healthLive', summary: 'Liveness: the process answers' })
  @ApiResponse({ status: 200, description: 'alive', schema: { type: 'object', required: ['status'], properties: { status: { type: 'string', enum: ['ok'] } } } })
  live() {
    return { status: 'ok' };
  }

  /** Ready only when both Postgres and Redis answer; 503 with what is down otherwise. */
  @Get('ready')
  @ApiOperation({ operationId: 'healthReady', summary: 'Readiness: Postgres and Redis both answer' })
  @ApiResponse({ status: 200, description: 'both stores answer', schema: READINESS })
  @ApiResponse({ status: 503, description: 'a store is down (named in error and details)', schema: READINESS })
  async ready(@Res() res: Response): Promise<void> {
    try {
      res.status(200).json(
        await this.health.check([
          () => this.db.pingCheck('postgres', { timeout: 1500 }),
          async () => {
            const redis = this.indicators.check('redis');
            let timer: NodeJS.Timeout | undefined;
            const ok = await Promise.race([
              this.redis.client.ping().then(() => true, () => false),
              new Promise<boolean>((r) => (timer = setTimeout(() => r(false), 1500))),
            ]);
            clearTimeout(timer);
            return ok ? redis.up() : redis.down({ message: 'Redis does not answer' });
          },
        ]),
      );
    } catch (e) {
      const body = (e as { getResponse?: () => unknown }).getResponse?.() ?? { status: 'error' };
      res.status(503).json(body);
    }
  }
}

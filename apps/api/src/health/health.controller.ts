import { Controller, Get, Res } from '@nestjs/common';
import { ApiExcludeController } from '@nestjs/swagger';
import { HealthCheckService, HealthIndicatorService, TypeOrmHealthIndicator } from '@nestjs/terminus';
import { Response } from 'express';
import { RedisService } from '@app/redis';
import { Public } from '../common/auth';

@ApiExcludeController()
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
  live() {
    return { status: 'ok' };
  }

  /** Ready only when both Postgres and Redis answer; 503 with what is down otherwise. */
  @Get('ready')
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

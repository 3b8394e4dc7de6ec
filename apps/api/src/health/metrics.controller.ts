import { Controller, Get, Headers, Res } from '@nestjs/common';
import { ApiOperation, ApiResponse, ApiSecurity, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { register } from 'prom-client';
import { AppError, collectProcessMetrics, metricsAuthorized } from '@app/common';
import { AppConfig } from '@app/config';
import { Public } from '../common/auth';
import { ApiErrors } from '../openapi/error-responses';
import { METRICS_SCHEME } from '../openapi/security';
import { httpRequestSeconds } from '../common/http-metrics';

/** Prometheus text. Public to the service-key guard: it has its own optional token (METRICS_TOKEN). */
@ApiTags('operations')
@Public()
@Controller('metrics')
export class MetricsController {
  constructor(private readonly config: AppConfig) {
    collectProcessMetrics('api');
    httpRequestSeconds(); // registered up front, so its HELP and TYPE are there before the first request
  }

  @Get()
  @ApiOperation({ operationId: 'metrics', summary: 'Prometheus text format; no label carries a tenant\'s host or id' })
  @ApiSecurity(METRICS_SCHEME)
  @ApiResponse({ status: 200, description: 'the metrics', content: { 'text/plain': { schema: { type: 'string' }, example: 'bwc_check_lag_seconds 0\n' } } })
  @ApiErrors('unauthorized')
  async metrics(@Headers('authorization') authorization: string | undefined, @Res() res: Response): Promise<void> {
    if (!metricsAuthorized(authorization, this.config.metricsToken)) {
      throw new AppError('unauthorized', 'GET /metrics needs the metrics token: Authorization: Bearer <METRICS_TOKEN>.');
    }
    res.setHeader('Content-Type', register.contentType);
    res.send(await register.metrics());
  }
}

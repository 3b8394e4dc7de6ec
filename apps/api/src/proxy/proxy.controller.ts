import { applyDecorators, Controller, Delete, Get, Param, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AccountIdPipe } from '../common/account-id.pipe';
import { ApiErrors } from '../openapi/error-responses';
import { ProxyService } from './proxy.service';

const PATHS = ['bitwarden', 'bitwarden/*path'];

const RELAYED = "Bitwarden's answer, relayed with its status and body and marked X-Bitwarden-Connect-Upstream: 1";

/**
 * The service's own answers (never marked as upstream) come only when no answer came from Bitwarden; any status
 * Bitwarden gives, including those below, is relayed as it is and carries the upstream mark.
 */
const ProxyResponses = () =>
  applyDecorators(
    ApiResponse({ status: 200, description: RELAYED, content: { 'application/json': { schema: {} } } }),
    ApiResponse({ status: 'default', description: `${RELAYED} (any other status)`, content: { 'application/json': { schema: {} } } }),
    ApiErrors(
      'validation_failed',
      'forbidden',
      'not_found',
      'needs_relink',
      'account_suspended',
      'payload_too_large',
      'url_not_allowed',
      'provider_unreachable',
      'provider_error',
      'provider_rate_limited',
      'provider_timeout',
      'internal_error',
    ),
  );

/**
 * `{method} /v1/accounts/{id}/bitwarden/{path}`: the Public API proxy for sync jobs. One method per verb because
 * Nest keeps one route per handler; the path is read raw from the request URL, never from decoded params.
 */
@ApiTags('proxy')
@ApiBearerAuth()
@Controller('v1/accounts/:id')
export class ProxyController {
  constructor(private readonly proxy: ProxyService) {}

  @Get(PATHS)
  @ApiOperation({ operationId: 'proxyGet', summary: "Relays a GET to the account's Bitwarden Public API" })
  @ProxyResponses()
  get(@Param('id', AccountIdPipe) id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.proxy.handle(id, req, res);
  }

  @Post(PATHS)
  @ApiOperation({ operationId: 'proxyPost', summary: 'Relays a POST (body up to PROXY_MAX_BODY_BYTES, else 413 payload_too_large)' })
  @ProxyResponses()
  post(@Param('id', AccountIdPipe) id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.proxy.handle(id, req, res);
  }

  @Put(PATHS)
  @ApiOperation({ operationId: 'proxyPut', summary: 'Relays a PUT (body up to PROXY_MAX_BODY_BYTES, else 413 payload_too_large)' })
  @ProxyResponses()
  put(@Param('id', AccountIdPipe) id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.proxy.handle(id, req, res);
  }

  @Delete(PATHS)
  @ApiOperation({ operationId: 'proxyDelete', summary: 'Relays a DELETE' })
  @ProxyResponses()
  delete(@Param('id', AccountIdPipe) id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.proxy.handle(id, req, res);
  }
}

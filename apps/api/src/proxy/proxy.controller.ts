import { Controller, Delete, Get, Param, Post, Put, Req, Res } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import type { Request, Response } from 'express';
import { AccountIdPipe } from '../common/account-id.pipe';
import { ErrorResponse } from '../accounts/accounts.dto';
import { ProxyService } from './proxy.service';

const PATHS = ['bitwarden', 'bitwarden/*path'];

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
  @ApiOperation({ summary: "Relays a GET to the account's Bitwarden Public API (path starts with public/)" })
  @ApiResponse({ status: 200, description: "Bitwarden's answer, relayed with X-Bitwarden-Connect-Upstream: 1 (any status Bitwarden gave)" })
  @ApiResponse({ status: 400, type: ErrorResponse, description: 'validation_failed (fields.path)' })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'needs_relink or account_suspended' })
  @ApiResponse({ status: 502, type: ErrorResponse, description: 'provider_error or provider_unreachable' })
  @ApiResponse({ status: 503, type: ErrorResponse, description: 'provider_rate_limited (Retry-After)' })
  @ApiResponse({ status: 504, type: ErrorResponse, description: 'provider_timeout' })
  get(@Param('id', AccountIdPipe) id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.proxy.handle(id, req, res);
  }

  @Post(PATHS)
  @ApiOperation({ summary: 'Relays a POST (body up to PROXY_MAX_BODY_BYTES, else 413 payload_too_large)' })
  @ApiResponse({ status: 413, type: ErrorResponse, description: 'payload_too_large' })
  post(@Param('id', AccountIdPipe) id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.proxy.handle(id, req, res);
  }

  @Put(PATHS)
  @ApiOperation({ summary: 'Relays a PUT' })
  put(@Param('id', AccountIdPipe) id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.proxy.handle(id, req, res);
  }

  @Delete(PATHS)
  @ApiOperation({ summary: 'Relays a DELETE' })
  delete(@Param('id', AccountIdPipe) id: string, @Req() req: Request, @Res() res: Response): Promise<void> {
    return this.proxy.handle(id, req, res);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res, UseGuards } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { AccountView, Principal } from '@app/accounts';
import { Caller, SessionAllowed } from '../common/auth';
import { LinkThrottleGuard } from '../common/link-throttle.guard';
import { AccountListResponse, AccountResponse, ErrorResponse, LinkAccountDto, ListAccountsQuery, RelinkAccountDto } from './accounts.dto';
import { LinkFlow } from './link.flow';

@ApiTags('accounts')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorResponse })
@Controller('v1/accounts')
export class AccountsController {
  constructor(private readonly flow: LinkFlow) {}

  @Post()
  @SessionAllowed()
  @UseGuards(LinkThrottleGuard)
  @ApiResponse({ status: 429, type: ErrorResponse, description: 'rate_limited (Retry-After set)' })
  @ApiOperation({ summary: 'Link a Bitwarden organization (tested before anything is stored)' })
  @ApiResponse({ status: 201, type: AccountResponse, description: 'linked' })
  @ApiResponse({ status: 200, type: AccountResponse, description: 'same owner + organization + identity URL: re-verified and updated' })
  @ApiResponse({ status: 422, type: ErrorResponse })
  async link(@Caller() p: Principal, @Body() dto: LinkAccountDto, @Res({ passthrough: true }) res: Response): Promise<AccountView> {
    const { status, body } = await this.flow.link(p, dto, res.req.header('idempotency-key'));
    res.status(status);
    return body;
  }

  @Get()
  @ApiOperation({ summary: 'List accounts, newest first (keyset cursor)' })
  @ApiResponse({ status: 200, type: AccountListResponse })
  list(@Query() q: ListAccountsQuery) {
    return this.flow.accounts.list(q);
  }

  @Get(':id')
  @SessionAllowed()
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  get(@Caller() p: Principal, @Param('id') id: string): Promise<AccountView> {
    return this.flow.accounts.get(p, id);
  }

  @Put(':id/credentials')
  @SessionAllowed()
  @UseGuards(LinkThrottleGuard)
  @ApiResponse({ status: 429, type: ErrorResponse, description: 'rate_limited (Retry-After set)' })
  @ApiOperation({ summary: 'Re-link: new credentials are tested first and swapped in only if they work' })
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiResponse({ status: 422, type: ErrorResponse })
  async relink(@Caller() p: Principal, @Param('id') id: string, @Body() dto: RelinkAccountDto, @Res({ passthrough: true }) res: Response) {
    const { status, body } = await this.flow.relink(p, id, dto, res.req.header('idempotency-key'));
    res.status(status);
    return body;
  }

  @Post(':id/verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'The Test button: a fresh token exchange now' })
  @ApiResponse({ status: 200, type: AccountResponse })
  verify(@Param('id') id: string): Promise<AccountView> {
    return this.flow.accounts.verify(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete: secret and cached tokens destroyed, pending jobs removed' })
  @ApiResponse({ status: 204 })
  async remove(@Param('id') id: string): Promise<void> {
    await this.flow.accounts.delete(id);
  }
}

import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { AccountsService, AccountView, Principal } from '@app/accounts';
import { AccountIdPipe } from '../common/account-id.pipe';
import { Caller, SessionAllowed } from '../common/auth';
import { LinkThrottleGuard } from '../common/link-throttle.guard';
import { Idempotent, IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ConnectSessionsService } from '../sessions/connect-sessions.service';
import { AccountListResponse, AccountResponse, ErrorResponse, LinkAccountDto, ListAccountsQuery, RelinkAccountDto } from './accounts.dto';
import { assertMayRelink, labelFor, resolveOwner } from './owner';
import { OwnerFieldInterceptor } from './owner-field.interceptor';

@ApiTags('accounts')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorResponse })
@Controller('v1/accounts')
export class AccountsController {
  constructor(
    private readonly accounts: AccountsService,
    private readonly sessions: ConnectSessionsService,
  ) {}

  @Post()
  @SessionAllowed()
  @UseGuards(LinkThrottleGuard)
  @UseInterceptors(OwnerFieldInterceptor, IdempotencyInterceptor)
  @Idempotent('link')
  @ApiResponse({ status: 429, type: ErrorResponse, description: 'rate_limited (Retry-After set)' })
  @ApiOperation({ summary: 'Link a Bitwarden organization (tested before anything is stored)' })
  @ApiResponse({ status: 201, type: AccountResponse, description: 'linked' })
  @ApiResponse({ status: 200, type: AccountResponse, description: 'same owner + organization + identity URL: re-verified and updated' })
  @ApiResponse({ status: 422, type: ErrorResponse })
  async link(@Caller() p: Principal, @Body() dto: LinkAccountDto, @Res({ passthrough: true }) res: Response): Promise<AccountView> {
    const { account, created } = await this.accounts.link(p, resolveOwner(p, dto.ownerId), dto, labelFor(p, dto.label));
    await this.sessions.rememberCreated(p, account.id);
    res.status(created ? 201 : 200);
    return account;
  }

  @Get()
  @ApiOperation({ summary: 'List accounts, newest first (keyset cursor)' })
  @ApiResponse({ status: 200, type: AccountListResponse })
  list(@Query() q: ListAccountsQuery) {
    return this.accounts.list(q);
  }

  @Get(':id')
  @SessionAllowed()
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  get(@Caller() p: Principal, @Param('id', AccountIdPipe) id: string): Promise<AccountView> {
    return this.accounts.get(p, id);
  }

  @Put(':id/credentials')
  @SessionAllowed()
  @UseGuards(LinkThrottleGuard)
  @UseInterceptors(IdempotencyInterceptor)
  @Idempotent('relink')
  @ApiResponse({ status: 429, type: ErrorResponse, description: 'rate_limited (Retry-After set)' })
  @ApiOperation({ summary: 'Re-link: new credentials are tested first and swapped in only if they work' })
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiResponse({ status: 422, type: ErrorResponse })
  async relink(@Caller() p: Principal, @Param('id', AccountIdPipe) id: string, @Body() dto: RelinkAccountDto): Promise<AccountView> {
    assertMayRelink(p, id);
    return this.accounts.relink(p, id, dto);
  }

  @Post(':id/verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'The Test button: a fresh token exchange now' })
  @ApiResponse({ status: 200, type: AccountResponse })
  verify(@Param('id', AccountIdPipe) id: string): Promise<AccountView> {
    return this.accounts.verify(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete: secret and cached tokens destroyed, pending jobs removed' })
  @ApiResponse({ status: 204 })
  async remove(@Param('id', AccountIdPipe) id: string): Promise<void> {
    await this.accounts.delete(id);
  }
}

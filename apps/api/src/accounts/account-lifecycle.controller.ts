import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AccountEventView, AccountLifecycleService, AccountView } from '@app/accounts';
import { AccountIdPipe } from '../common/account-id.pipe';
import { AccountEventListResponse, AccountResponse, ErrorResponse, EventsQuery, RenameAccountDto } from './accounts.dto';

@ApiTags('accounts')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorResponse })
@ApiResponse({ status: 403, type: ErrorResponse, description: 'forbidden (a connect session)' })
@ApiResponse({ status: 404, type: ErrorResponse, description: 'no such account' })
@Controller('v1/accounts/:id')
export class AccountLifecycleController {
  constructor(private readonly lifecycle: AccountLifecycleService) {}

  @Patch()
  @ApiOperation({ summary: 'Rename: sets the label, without a token exchange' })
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiResponse({ status: 400, type: ErrorResponse, description: 'validation_failed' })
  rename(@Param('id', AccountIdPipe) id: string, @Body() dto: RenameAccountDto): Promise<AccountView> {
    return this.lifecycle.rename(id, dto.label);
  }

  @Get('events')
  @ApiOperation({ summary: "The account's history, newest first (cursor paging)" })
  @ApiResponse({ status: 200, type: AccountEventListResponse })
  @ApiResponse({ status: 400, type: ErrorResponse, description: 'validation_failed (limit, cursor)' })
  events(@Param('id', AccountIdPipe) id: string, @Query() q: EventsQuery): Promise<{ data: AccountEventView[]; nextCursor: string | null }> {
    return this.lifecycle.history(id, q);
  }

  @Post('suspend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause the account: token destroyed, no checks, renewals or tokens until resumed; idempotent' })
  @ApiResponse({ status: 200, type: AccountResponse })
  suspend(@Param('id', AccountIdPipe) id: string): Promise<AccountView> {
    return this.lifecycle.suspend(id);
  }

  @Post('resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume: one token exchange now decides the status (on a running account: the same as verify)' })
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiResponse({ status: 503, type: ErrorResponse, description: 'provider_rate_limited (Retry-After set); the account stays suspended' })
  @ApiResponse({ status: 502, type: ErrorResponse, description: 'provider errors, only on a running account (as verify)' })
  resume(@Param('id', AccountIdPipe) id: string): Promise<AccountView> {
    return this.lifecycle.resume(id);
  }
}

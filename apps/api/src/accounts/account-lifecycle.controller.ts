import { Body, Controller, Get, HttpCode, Param, Patch, Post, Query } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AccountEventView, AccountLifecycleService, AccountView } from '@app/accounts';
import { AccountIdPipe } from '../common/account-id.pipe';
import { ApiErrors } from '../openapi/error-responses';
import { AccountEventListResponse, AccountResponse, EventsQuery, RenameAccountDto } from './accounts.dto';

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts/:id')
export class AccountLifecycleController {
  constructor(private readonly lifecycle: AccountLifecycleService) {}

  @Patch()
  @ApiOperation({ summary: 'Rename: sets the label, without a token exchange' })
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiErrors('forbidden', 'not_found')
  rename(@Param('id', AccountIdPipe) id: string, @Body() dto: RenameAccountDto): Promise<AccountView> {
    return this.lifecycle.rename(id, dto.label);
  }

  @Get('events')
  @ApiOperation({ summary: "The account's history, newest first (cursor paging)" })
  @ApiResponse({ status: 200, type: AccountEventListResponse })
  @ApiErrors('forbidden', 'not_found')
  events(@Param('id', AccountIdPipe) id: string, @Query() q: EventsQuery): Promise<{ data: AccountEventView[]; nextCursor: string | null }> {
    return this.lifecycle.history(id, q);
  }

  @Post('suspend')
  @HttpCode(200)
  @ApiOperation({ summary: 'Pause the account: token destroyed, no checks, renewals or tokens until resumed; idempotent' })
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiErrors('forbidden', 'not_found')
  suspend(@Param('id', AccountIdPipe) id: string): Promise<AccountView> {
    return this.lifecycle.suspend(id);
  }

  @Post('resume')
  @HttpCode(200)
  @ApiOperation({ summary: 'Resume: one token exchange now decides the status (on a running account: the same as verify)' })
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiErrors('forbidden', 'not_found', 'provider_rate_limited', 'internal_error')
  resume(@Param('id', AccountIdPipe) id: string): Promise<AccountView> {
    return this.lifecycle.resume(id);
  }
}

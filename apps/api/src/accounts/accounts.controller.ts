import { Body, Controller, Delete, Get, HttpCode, Param, Post, Put, Query, Res, UseGuards, UseInterceptors } from '@nestjs/common';
import { ApiBearerAuth, ApiHeader, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Response } from 'express';
import { AccountsService, AccountView, Principal } from '@app/accounts';
import { AccountIdPipe } from '../common/account-id.pipe';
import { Caller, SessionAllowed } from '../common/auth';
import { LinkThrottleGuard } from '../common/link-throttle.guard';
import { Idempotent, IdempotencyInterceptor } from '../idempotency/idempotency.interceptor';
import { ApiErrors } from '../openapi/error-responses';
import { AccountListResponse, AccountResponse, LinkAccountDto, ListAccountsQuery, RelinkAccountDto } from './accounts.dto';
import { labelFor, resolveOwner } from './owner';
import { OwnerFieldInterceptor } from './owner-field.interceptor';

/** What a link or re-link can answer besides its own extras: the URL and key rules, the exchange, throttling. */
const LINK_ERRORS = [
  'forbidden',
  'already_linked',
  'unsupported_url',
  'region_mismatch',
  'url_not_allowed',
  'personal_api_key',
  'invalid_client_id',
  'credentials_rejected',
  'idempotency_key_reused',
  'rate_limited',
  'provider_unreachable',
  'provider_error',
  'provider_rate_limited',
  'provider_timeout',
] as const;

const IdempotencyKeyHeader = () =>
  ApiHeader({
    name: 'Idempotency-Key',
    required: false,
    description: 'A repeat with the same key and body within 24 h returns the first answer without a second token exchange, a refusal too (every 4xx but 400, 401, 403 and 429; a 429 or 5xx leaves the key free); the same key with another body is 422 idempotency_key_reused. Scoped to the caller.',
    schema: { type: 'string', pattern: '^[\\x21-\\x7e]{1,200}$', minLength: 1, maxLength: 200, example: '3b0f8a52-link-tenant-42' },
  });

@ApiTags('accounts')
@ApiBearerAuth()
@Controller('v1/accounts')
export class AccountsController {
  constructor(private readonly accounts: AccountsService) {}

  @Post()
  @SessionAllowed()
  @UseGuards(LinkThrottleGuard)
  @UseInterceptors(OwnerFieldInterceptor, IdempotencyInterceptor)
  @Idempotent('link')
  @ApiOperation({ summary: 'Link a Bitwarden organization (tested before anything is stored)' })
  @IdempotencyKeyHeader()
  @ApiResponse({ status: 201, type: AccountResponse, description: 'linked' })
  @ApiResponse({ status: 200, type: AccountResponse, description: 'same owner + organization + identity URL: re-verified and updated' })
  @ApiErrors(...LINK_ERRORS, 'account_suspended')
  async link(@Caller() p: Principal, @Body() dto: LinkAccountDto, @Res({ passthrough: true }) res: Response): Promise<AccountView> {
    const { account, created } = await this.accounts.link(p, resolveOwner(p, dto.ownerId), dto, labelFor(p, dto.label));
    res.status(created ? 201 : 200);
    return account;
  }

  @Get()
  @ApiOperation({ summary: 'List accounts, newest first (keyset cursor)' })
  @ApiResponse({ status: 200, type: AccountListResponse })
  @ApiErrors('forbidden')
  list(@Query() q: ListAccountsQuery) {
    return this.accounts.list(q);
  }

  @Get(':id')
  @SessionAllowed()
  @ApiOperation({ summary: 'One account (a connect session sees only its own)' })
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiErrors('not_found')
  get(@Caller() p: Principal, @Param('id', AccountIdPipe) id: string): Promise<AccountView> {
    return this.accounts.get(p, id);
  }

  @Put(':id/credentials')
  @SessionAllowed()
  @UseGuards(LinkThrottleGuard)
  @UseInterceptors(IdempotencyInterceptor)
  @Idempotent('relink')
  @ApiOperation({ summary: 'Re-link: new credentials are tested first and swapped in only if they work' })
  @IdempotencyKeyHeader()
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiErrors(...LINK_ERRORS, 'not_found', 'organization_mismatch')
  async relink(@Caller() p: Principal, @Param('id', AccountIdPipe) id: string, @Body() dto: RelinkAccountDto): Promise<AccountView> {
    return this.accounts.relink(p, id, dto);
  }

  @Post(':id/verify')
  @HttpCode(200)
  @ApiOperation({ summary: 'The Test button: a fresh token exchange now' })
  @ApiResponse({ status: 200, type: AccountResponse, description: 'the status the exchange decided (a rejection or an outage is a status, not an error)' })
  @ApiErrors('forbidden', 'not_found', 'account_suspended', 'provider_rate_limited', 'internal_error')
  verify(@Param('id', AccountIdPipe) id: string): Promise<AccountView> {
    return this.accounts.verify(id);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Delete: secret and cached tokens destroyed, pending jobs removed' })
  @ApiResponse({ status: 204, description: 'deleted' })
  @ApiErrors('forbidden', 'not_found')
  async remove(@Param('id', AccountIdPipe) id: string): Promise<void> {
    await this.accounts.delete(id);
  }
}

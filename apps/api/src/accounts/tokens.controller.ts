import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AccountView, TokenService, TokenView } from '@app/accounts';
import { AccountIdPipe } from '../common/account-id.pipe';
import { ApiErrors } from '../openapi/error-responses';
import { AccountResponse, TokenRequestDto, TokenResponse } from './accounts.dto';

/** A token for a sync job: refused for accounts that cannot have one, else one exchange may be needed. */
const EXCHANGE_ERRORS = [
  'forbidden',
  'not_found',
  'needs_relink',
  'account_suspended',
  'url_not_allowed',
  'provider_unreachable',
  'provider_error',
  'provider_rate_limited',
  'provider_timeout',
  'internal_error',
] as const;

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('v1/accounts/:id')
export class TokensController {
  constructor(private readonly tokens: TokenService) {}

  @Post('token')
  @HttpCode(200)
  @ApiOperation({ summary: 'A Bitwarden access token valid for at least minValiditySeconds' })
  @ApiResponse({ status: 200, type: TokenResponse })
  @ApiErrors(...EXCHANGE_ERRORS)
  token(@Param('id', AccountIdPipe) id: string, @Body() dto: TokenRequestDto): Promise<TokenView> {
    return this.tokens.getToken(id, dto.minValiditySeconds ?? 300);
  }

  @Post('report-unauthorized')
  @HttpCode(200)
  @ApiOperation({ summary: 'A sync job got 401 from Bitwarden: drop the cached token and re-verify now' })
  @ApiResponse({ status: 200, type: AccountResponse })
  @ApiErrors(...EXCHANGE_ERRORS)
  reportUnauthorized(@Param('id', AccountIdPipe) id: string): Promise<AccountView> {
    return this.tokens.reportUnauthorized(id);
  }
}

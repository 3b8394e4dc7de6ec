import { Body, Controller, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AccountView, TokenService, TokenView } from '@app/accounts';
import { AccountIdPipe } from '../common/account-id.pipe';
import { AccountResponse, ErrorResponse, TokenRequestDto, TokenResponse } from './accounts.dto';

@ApiTags('tokens')
@ApiBearerAuth()
@Controller('v1/accounts/:id')
export class TokensController {
  constructor(private readonly tokens: TokenService) {}

  @Post('token')
  @HttpCode(200)
  @ApiOperation({ summary: 'A Bitwarden access token valid for at least minValiditySeconds' })
  @ApiResponse({ status: 200, type: TokenResponse })
  @ApiResponse({ status: 409, type: ErrorResponse, description: 'needs_relink' })
  token(@Param('id', AccountIdPipe) id: string, @Body() dto: TokenRequestDto): Promise<TokenView> {
    return this.tokens.getToken(id, dto.minValiditySeconds ?? 300);
  }

  @Post('report-unauthorized')
  @HttpCode(200)
  @ApiOperation({ summary: 'A sync job got 401 from Bitwarden: drop the cached token and re-verify now' })
  @ApiResponse({ status: 200, type: AccountResponse })
  reportUnauthorized(@Param('id', AccountIdPipe) id: string): Promise<AccountView> {
    return this.tokens.reportUnauthorized(id);
  }
}

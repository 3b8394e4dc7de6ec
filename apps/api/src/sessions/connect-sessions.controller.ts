import { Body, Controller, Delete, Get, HttpCode, Param, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { Principal } from '@app/accounts';
import { AppError, parseUuid } from '@app/common';
import { ApiErrors } from '../openapi/error-responses';
import { Caller, SessionAllowed } from '../common/auth';
import { CreateSessionDto, CurrentSessionResponse, SessionResponse } from './connect-sessions.dto';
import { ConnectSessionsService } from './connect-sessions.service';

@ApiTags('connect-sessions')
@ApiBearerAuth()
@Controller('v1/connect-sessions')
export class ConnectSessionsController {
  constructor(private readonly sessions: ConnectSessionsService) {}

  @Post()
  @ApiOperation({ summary: 'A short-lived token for the browser, bound to one owner (and optionally one account to re-link), with the hosted page URL' })
  @ApiResponse({ status: 201, type: SessionResponse })
  @ApiErrors('forbidden', 'not_found')
  create(@Body() dto: CreateSessionDto) {
    return this.sessions.create(dto);
  }

  @Get('current')
  @SessionAllowed()
  @ApiOperation({ summary: 'The calling session (connect session token only): what the hosted Connect page shows and where it may report back' })
  @ApiResponse({ status: 200, type: CurrentSessionResponse })
  @ApiErrors('forbidden')
  current(@Caller() p: Principal) {
    return this.sessions.current(p);
  }

  @Delete(':id')
  @HttpCode(204)
  @ApiOperation({ summary: 'Revoke a session at once; idempotent (an unknown, expired or already revoked id also answers 204)' })
  @ApiResponse({ status: 204, description: 'revoked (or already gone)' })
  @ApiErrors('forbidden', 'not_found')
  async revoke(@Param('id') raw: string): Promise<void> {
    const id = parseUuid(raw);
    if (!id) throw new AppError('not_found', 'No such connect session.');
    await this.sessions.revoke(id);
  }
}

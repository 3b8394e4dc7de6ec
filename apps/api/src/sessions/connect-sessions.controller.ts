import { Body, Controller, Post } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { CreateSessionDto, ErrorResponse, SessionResponse } from '../accounts/accounts.dto';
import { ConnectSessionsService } from './connect-sessions.service';

@ApiTags('connect-sessions')
@ApiBearerAuth()
@Controller('v1/connect-sessions')
export class ConnectSessionsController {
  constructor(private readonly sessions: ConnectSessionsService) {}

  @Post()
  @ApiOperation({ summary: 'A short-lived token for the browser, bound to one owner (and optionally one account to re-link)' })
  @ApiResponse({ status: 201, type: SessionResponse })
  @ApiResponse({ status: 404, type: ErrorResponse })
  create(@Body() dto: CreateSessionDto) {
    return this.sessions.create(dto);
  }
}

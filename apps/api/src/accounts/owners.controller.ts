import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AccountLifecycleService } from '@app/accounts';
import { ConnectSessionsRepository } from '../sessions/connect-sessions.repository';
import { ErrorResponse } from './accounts.dto';
import { OwnerIdPipe } from './owner-id.pipe';

@ApiTags('owners')
@ApiBearerAuth()
@ApiResponse({ status: 401, type: ErrorResponse })
@ApiResponse({ status: 403, type: ErrorResponse, description: 'forbidden (a connect session)' })
@Controller('v1/owners')
export class OwnersController {
  constructor(
    private readonly lifecycle: AccountLifecycleService,
    private readonly sessions: ConnectSessionsRepository,
  ) {}

  @Delete(':ownerId')
  @HttpCode(204)
  @ApiOperation({ summary: "Offboard a tenant: every account deleted as by DELETE /v1/accounts/{id}, then the owner's events and connect sessions; idempotent" })
  @ApiResponse({ status: 204 })
  @ApiResponse({ status: 400, type: ErrorResponse, description: 'validation_failed (ownerId)' })
  async offboard(@Param('ownerId', OwnerIdPipe) ownerId: string): Promise<void> {
    await this.lifecycle.offboardOwner(ownerId);
    // Sessions last: a session still alive during the deletes could link an account that would then survive.
    await this.sessions.deleteForOwner(ownerId);
  }
}

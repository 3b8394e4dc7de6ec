import { Controller, Delete, HttpCode, Param } from '@nestjs/common';
import { ApiBearerAuth, ApiOperation, ApiResponse, ApiTags } from '@nestjs/swagger';
import { AccountLifecycleService } from '@app/accounts';
import { ConnectSessionsRepository } from '../sessions/connect-sessions.repository';
import { ApiErrors } from '../openapi/error-responses';
import { OwnerIdPipe } from './owner-id.pipe';

@ApiTags('owners')
@ApiBearerAuth()
@Controller('v1/owners')
export class OwnersController {
  constructor(
    private readonly lifecycle: AccountLifecycleService,
    private readonly sessions: ConnectSessionsRepository,
  ) {}

  @Delete(':ownerId')
  @HttpCode(204)
  @ApiOperation({ summary: "Offboard a tenant: every account deleted as by DELETE /v1/accounts/{id}, then the owner's events and connect sessions; idempotent" })
  @ApiResponse({ status: 204, description: 'offboarded (also when the owner had nothing)' })
  @ApiErrors('forbidden')
  async offboard(@Param('ownerId', OwnerIdPipe) ownerId: string): Promise<void> {
    await this.lifecycle.offboardOwner(ownerId);
    // Sessions last: a session still alive during the deletes could link an account that would then survive.
    await this.sessions.deleteForOwner(ownerId);
  }
}

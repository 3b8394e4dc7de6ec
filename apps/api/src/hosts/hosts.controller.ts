import { Controller, Get } from '@nestjs/common';
import { ApiBearerAuth, ApiOkResponse, ApiOperation, ApiProperty, ApiPropertyOptional, ApiTags } from '@nestjs/swagger';
import { ApiErrors } from '../openapi/error-responses';
import { HostsService, HostView } from './hosts.service';

class IdentityBudgetView {
  @ApiProperty({ type: 'integer', example: 10 }) limit!: number;
  @ApiProperty({ type: 'integer', example: 3 }) usedLastMinute!: number;
}

class HostResponse implements HostView {
  @ApiProperty({ example: 'identity.bitwarden.com' }) host!: string;
  @ApiProperty({ enum: ['cloud', 'self-hosted'] }) kind!: 'cloud' | 'self-hosted';
  @ApiPropertyOptional({ enum: ['bitwarden', 'vaultwarden'], nullable: true, type: String }) flavor!: 'bitwarden' | 'vaultwarden' | null;
  @ApiProperty({ type: IdentityBudgetView }) identityBudget!: IdentityBudgetView;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) pausedUntil!: string | null;
  @ApiProperty({ enum: ['closed', 'open', 'probing'] }) breaker!: 'closed' | 'open' | 'probing';
}

class HostListResponse {
  @ApiProperty({ type: [HostResponse] }) data!: HostResponse[];
}

@ApiTags('operators')
@ApiBearerAuth()
@Controller('v1/hosts')
export class HostsController {
  constructor(private readonly hosts: HostsService) {}

  @Get()
  @ApiOperation({ summary: "Each identity host's budget use, pause and breaker (tenant hosts stay out of metric labels)" })
  @ApiOkResponse({ type: HostListResponse })
  @ApiErrors('forbidden')
  list(): Promise<{ data: HostView[] }> {
    return this.hosts.list();
  }
}

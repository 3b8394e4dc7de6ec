import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsInt, IsUUID, Max, Min } from 'class-validator';
import { BoundedString, IsOwnerId, Label, Optional } from '../common/validators';

export class CreateSessionDto {
  @IsOwnerId() ownerId!: string;
  @Label() label?: string | null;
  @Optional() @IsUUID('all', { message: 'must be a UUID' }) @ApiPropertyOptional({ format: 'uuid' }) accountId?: string;
  @Optional() @IsInt({ message: 'must be an integer' }) @Min(60, { message: 'must be at least 60' }) @Max(86400, { message: 'must be at most 86400' })
  @ApiPropertyOptional({ type: 'integer', minimum: 60, maximum: 86400, default: 1800, example: 1800 })
  expiresInSeconds?: number;
  /** Checked against CORS_ORIGINS by the service (the DTO only bounds it). */
  @BoundedString(2048, 'https://hub.example.com/settings/bitwarden', true) returnUrl?: string;
}

export class SessionResponse {
  @ApiProperty({ format: 'uuid', description: 'for DELETE /v1/connect-sessions/{id}', example: '0b7e6f52-8c1a-4f7e-9d3b-2a9d1c0e4f11' }) id!: string;
  @ApiProperty({ example: 'cs_9f2c1e...', description: 'the bearer token for the browser; shown once' }) token!: string;
  @ApiProperty({ type: String, nullable: true, description: '{PUBLIC_URL}/connect#session=<token>; null when CONNECT_PAGE is off' })
  url!: string | null;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) accountId!: string | null;
}

export class CurrentSessionResponse {
  @ApiProperty() ownerId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) accountId!: string | null;
  @ApiProperty({ type: String, nullable: true }) label!: string | null;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ type: String, nullable: true }) returnUrl!: string | null;
  @ApiProperty({ type: [String], description: 'CORS_ORIGINS: the origins the hosted page may post its result to' })
  allowedOrigins!: string[];
}

import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { BoundedString, IntegerQuery, IsOwnerId, Label, MaxChars } from '../common/validators';

export class LinkAccountDto {
  @IsOwnerId(true) ownerId?: string;
  @BoundedString(2048, 'https://api.bitwarden.com') apiBaseUrl!: string;
  @BoundedString(2048, 'https://identity.bitwarden.com') identityBaseUrl!: string;
  @BoundedString(200, 'organization.3fa85f64-5717-4562-b3fc-2c963f66afa6') clientId!: string;
  @BoundedString(200, 'aBcDeFgHiJkLmNoPqRsTuVwXyZ0123') clientSecret!: string;
  @Label() label?: string | null;
}

export class RelinkAccountDto {
  @BoundedString(200, 'aBcDeFgHiJkLmNoPqRsTuVwXyZ0123') clientSecret!: string;
  @BoundedString(200, 'organization.3fa85f64-5717-4562-b3fc-2c963f66afa6', true) clientId?: string;
  @BoundedString(2048, 'https://api.bitwarden.com', true) apiBaseUrl?: string;
  @BoundedString(2048, 'https://identity.bitwarden.com', true) identityBaseUrl?: string;
}

export class ListAccountsQuery {
  @IsOwnerId(true) ownerId?: string;
  @IsOptional() @IsIn(['active', 'degraded', 'needs_relink', 'suspended'], { message: 'must be active, degraded, needs_relink or suspended' })
  @ApiPropertyOptional({ enum: ['active', 'degraded', 'needs_relink', 'suspended'] })
  status?: 'active' | 'degraded' | 'needs_relink' | 'suspended';
  @IsOptional() @IsIn(['us', 'eu', 'self-hosted'], { message: 'must be us, eu or self-hosted' })
  @ApiPropertyOptional({ enum: ['us', 'eu', 'self-hosted'] })
  region?: 'us' | 'eu' | 'self-hosted';
  @IntegerQuery(1, 200, 50)
  limit?: number;
  @IsOptional() @IsString({ message: 'must be a string' }) @MaxLength(200, { message: 'is invalid' })
  @ApiPropertyOptional()
  cursor?: string;
}

/** PATCH /v1/accounts/{id}: `label` is required (null clears it). */
export class RenameAccountDto {
  @ValidateIf((_, v) => v !== null)
  @IsString({ message: 'must be a string or null' })
  @MaxChars(200)
  @ApiProperty({ type: String, nullable: true, maxLength: 200, example: 'Main vault' })
  label!: string | null;
}

export class EventsQuery {
  @IntegerQuery(1, 200, 50)
  limit?: number;
  @IsOptional() @IsString({ message: 'must be a string' }) @MaxLength(200, { message: 'is invalid' })
  @ApiPropertyOptional()
  cursor?: string;
}

export class TokenRequestDto {
  @IsOptional() @IsInt({ message: 'must be an integer' }) @Min(0, { message: 'must be at least 0' }) @Max(3300, { message: 'must be at most 3300' })
  @ApiPropertyOptional({ minimum: 0, maximum: 3300, default: 300 })
  minValiditySeconds?: number;
}

export class CreateSessionDto {
  @IsOwnerId() ownerId!: string;
  @Label() label?: string | null;
  @IsOptional() @IsUUID('all', { message: 'must be a UUID' }) @ApiPropertyOptional({ format: 'uuid' }) accountId?: string;
  @IsOptional() @IsInt({ message: 'must be an integer' }) @Min(60, { message: 'must be at least 60' }) @Max(86400, { message: 'must be at most 86400' })
  @ApiPropertyOptional({ minimum: 60, maximum: 86400, default: 1800 })
  expiresInSeconds?: number;
}

class LastErrorView {
  @ApiProperty() code!: string;
  @ApiProperty() message!: string;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class AccountResponse {
  @ApiProperty({ format: 'uuid' }) id!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty({ enum: ['bitwarden'] }) provider!: string;
  @ApiProperty({ format: 'uuid' }) organizationId!: string;
  @ApiProperty({ type: String, nullable: true }) label!: string | null;
  @ApiProperty({ enum: ['us', 'eu', 'self-hosted'] }) region!: string;
  @ApiProperty() apiBaseUrl!: string;
  @ApiProperty() identityBaseUrl!: string;
  @ApiProperty() clientId!: string;
  @ApiProperty() secretLast4!: string;
  @ApiProperty({ enum: ['active', 'degraded', 'needs_relink', 'suspended'] }) status!: string;
  @ApiProperty({ type: String, nullable: true }) statusReason!: string | null;
  @ApiProperty({ type: LastErrorView, nullable: true }) lastError!: LastErrorView | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastVerifiedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastCheckedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) tokenExpiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when the cached token is renewed ahead of expiry; null when not in active use' })
  tokenRefreshAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when the background re-verification is due; null while suspended' })
  nextCheckAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) suspendedAt!: string | null;
  @ApiProperty({ format: 'date-time' }) createdAt!: string;
  @ApiProperty({ format: 'date-time', description: 'changes with credentials, label, URLs, status, statusReason, lastError, server or suspendedAt; not with schedule or token fields' })
  updatedAt!: string;
}

export class AccountEventResponse {
  @ApiProperty({ example: 'evt_42', description: 'also the webhook id and Webhook-Id header' }) id!: string;
  @ApiProperty({ enum: ['linked', 'relinked', 'status_changed', 'suspended', 'resumed'] }) type!: string;
  @ApiProperty({ type: String, nullable: true }) from!: string | null;
  @ApiProperty({ type: String, nullable: true }) to!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'an error code' }) reason!: string | null;
  @ApiProperty({ type: String, nullable: true, description: 'the person-readable sentence of reason' }) message!: string | null;
  @ApiProperty({ format: 'date-time' }) at!: string;
}

export class AccountEventListResponse {
  @ApiProperty({ type: [AccountEventResponse] }) data!: AccountEventResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class AccountListResponse {
  @ApiProperty({ type: [AccountResponse] }) data!: AccountResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class TokenResponse {
  @ApiProperty() accessToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty({ example: 'api.organization' }) scope!: string;
  @ApiProperty() apiBaseUrl!: string;
}

export class SessionResponse {
  @ApiProperty() token!: string;
  @ApiProperty({ format: 'date-time' }) expiresAt!: string;
  @ApiProperty() ownerId!: string;
  @ApiProperty({ type: String, format: 'uuid', nullable: true }) accountId!: string | null;
}

class ErrorBody {
  @ApiProperty() code!: string;
  @ApiProperty() message!: string;
  @ApiPropertyOptional({ type: 'object', additionalProperties: { type: 'string' } }) fields?: Record<string, string>;
}

export class ErrorResponse {
  @ApiProperty({ type: ErrorBody }) error!: ErrorBody;
}

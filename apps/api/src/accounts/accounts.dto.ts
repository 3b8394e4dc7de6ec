import type { AccountView } from '@app/accounts';
import { ACCOUNT_STATUSES, AccountStatus, Region, REGIONS, SERVER_FLAVORS, ServerFlavorName } from '@app/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsIn, IsInt, IsOptional, IsString, IsUUID, Max, MaxLength, Min, ValidateIf } from 'class-validator';
import { BoundedString, IntegerQuery, IsOwnerId, Label, MaxChars, Optional } from '../common/validators';

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

const oneOf = (values: readonly string[]) => `must be ${values.slice(0, -1).join(', ')} or ${values[values.length - 1]}`;

export class ListAccountsQuery {
  @IsOwnerId(true) ownerId?: string;
  @IsOptional() @IsIn(ACCOUNT_STATUSES, { message: oneOf(ACCOUNT_STATUSES) })
  @ApiPropertyOptional({ enum: ACCOUNT_STATUSES })
  status?: AccountStatus;
  @IsOptional() @IsIn(REGIONS, { message: oneOf(REGIONS) })
  @ApiPropertyOptional({ enum: REGIONS })
  region?: Region;
  @IsOptional() @IsIn(SERVER_FLAVORS, { message: oneOf(SERVER_FLAVORS) })
  @ApiPropertyOptional({ enum: SERVER_FLAVORS, description: 'the server flavor from its /config' })
  flavor?: ServerFlavorName;
  @IsOptional() @IsUUID('all', { message: 'must be a UUID' })
  @ApiPropertyOptional({ format: 'uuid', description: 'find an account by its organization' })
  organizationId?: string;
  @IntegerQuery(1, 200, 50)
  limit?: number;
  @IsOptional() @IsString({ message: 'must be a string' }) @MaxLength(200, { message: 'is invalid' })
  @ApiPropertyOptional({ maxLength: 200, description: 'nextCursor of the previous page' })
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
  @ApiPropertyOptional({ maxLength: 200, description: 'nextCursor of the previous page' })
  cursor?: string;
}

export class TokenRequestDto {
  @Optional() @IsInt({ message: 'must be an integer' }) @Min(0, { message: 'must be at least 0' }) @Max(3300, { message: 'must be at most 3300' })
  @ApiPropertyOptional({ type: 'integer', minimum: 0, maximum: 3300, default: 300, example: 600 })
  minValiditySeconds?: number;
}

class LastErrorView {
  @ApiProperty({ example: 'provider_unreachable', description: 'an error code' }) code!: string;
  @ApiProperty({ example: 'Could not connect to the Bitwarden identity server in time.' }) message!: string;
  @ApiProperty({ format: 'date-time', example: '2025-05-01T12:00:00.000Z' }) at!: string;
}

class ServerView {
  @ApiProperty({ enum: ['bitwarden', 'vaultwarden'] }) flavor!: 'bitwarden' | 'vaultwarden';
  @ApiProperty({ type: String, nullable: true, example: '2026.10.1', description: "what GET {api}/config reports; Vaultwarden reports its web vault's version" })
  version!: string | null;
}

/** The Account as served: `implements AccountView` keeps this OpenAPI description and the one declared shape together. */
export class AccountResponse implements AccountView {
  @ApiProperty({ format: 'uuid', example: '8d0c3c38-2f0e-4a55-9a43-6c1f9f0e6b11' }) id!: string;
  @ApiProperty({ example: 'tenant-42' }) ownerId!: string;
  @ApiProperty({ enum: ['bitwarden'] }) provider!: 'bitwarden';
  @ApiProperty({ format: 'uuid', example: '3fa85f64-5717-4562-b3fc-2c963f66afa6' }) organizationId!: string;
  @ApiProperty({ type: String, nullable: true, example: 'Main vault' }) label!: string | null;
  @ApiProperty({ enum: ['us', 'eu', 'self-hosted'] }) region!: string;
  @ApiProperty({ example: 'https://api.bitwarden.com' }) apiBaseUrl!: string;
  @ApiProperty({ example: 'https://identity.bitwarden.com' }) identityBaseUrl!: string;
  @ApiProperty({ example: 'organization.3fa85f64-5717-4562-b3fc-2c963f66afa6' }) clientId!: string;
  @ApiProperty({ example: 'Z012' }) secretLast4!: string;
  @ApiProperty({ enum: ['active', 'degraded', 'needs_relink', 'suspended'] }) status!: string;
  @ApiProperty({ type: String, nullable: true, description: 'an error code explaining the status; null when active' }) statusReason!: string | null;
  @ApiProperty({ type: LastErrorView, nullable: true }) lastError!: LastErrorView | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastVerifiedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) lastCheckedAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) tokenExpiresAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when the cached token is renewed ahead of expiry; null when not in active use' })
  tokenRefreshAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true, description: 'when the background re-verification is due; null while suspended' })
  nextCheckAt!: string | null;
  @ApiProperty({ type: String, format: 'date-time', nullable: true }) suspendedAt!: string | null;
  @ApiProperty({ type: ServerView, nullable: true, description: 'from the server\'s own GET {api}/config; null until known' }) server!: ServerView | null;
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
  @ApiProperty({ type: String, nullable: true, description: 'pass as cursor for the next page; null on the last' }) nextCursor!: string | null;
}

export class AccountListResponse {
  @ApiProperty({ type: [AccountResponse] }) data!: AccountResponse[];
  @ApiProperty({ type: String, nullable: true }) nextCursor!: string | null;
}

export class TokenResponse {
  @ApiProperty({ example: 'eyJhbGciOi...', description: "Bitwarden's access token, to send as Authorization: Bearer" }) accessToken!: string;
  @ApiProperty({ enum: ['Bearer'] }) tokenType!: string;
  @ApiProperty({ format: 'date-time', example: '2025-05-01T13:00:00.000Z' }) expiresAt!: string;
  @ApiProperty({ example: 'api.organization' }) scope!: string;
  @ApiProperty({ example: 'https://api.bitwarden.com' }) apiBaseUrl!: string;
}

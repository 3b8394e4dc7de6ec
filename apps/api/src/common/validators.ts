import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { IsOptional, IsString, Matches, MaxLength, MinLength, ValidateIf } from 'class-validator';

export const OWNER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/** ownerId: the hub's tenant, 1-128 chars of [A-Za-z0-9._:-]. */
export const IsOwnerId = (optional = false) =>
  applyDecorators(
    ...(optional ? [IsOptional()] : []),
    IsString({ message: 'must be a string' }),
    Matches(OWNER_ID_PATTERN, { message: 'must be 1-128 characters of A-Z a-z 0-9 . _ : -' }),
    optional
      ? ApiPropertyOptional({ example: 'tenant-42', pattern: OWNER_ID_PATTERN.source })
      : ApiProperty({ example: 'tenant-42', pattern: OWNER_ID_PATTERN.source }),
  );

/** A required string of bounded length (the exact rules are checked by the Bitwarden URL and key rules). */
export const BoundedString = (max: number, example: string, optional = false) =>
  applyDecorators(
    ...(optional ? [IsOptional()] : []),
    IsString({ message: 'must be a string' }),
    MinLength(1, { message: 'must not be empty' }),
    MaxLength(max, { message: `must be at most ${max} characters` }),
    optional ? ApiPropertyOptional({ example, maxLength: max }) : ApiProperty({ example, maxLength: max }),
  );

/** An optional label: a string up to 200 characters, or null. */
export const Label = () =>
  applyDecorators(
    ValidateIf((_, v) => v !== undefined && v !== null),
    IsString({ message: 'must be a string or null' }),
    MaxLength(200, { message: 'must be at most 200 characters' }),
    ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'Main vault' }),
  );

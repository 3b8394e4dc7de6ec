import { applyDecorators } from '@nestjs/common';
import { ApiProperty, ApiPropertyOptional } from '@nestjs/swagger';
import { Transform } from 'class-transformer';
import { IsInt, IsOptional, IsString, Matches, Max, Min, MinLength, ValidateBy, ValidateIf } from 'class-validator';
import { codePointLength } from './text-rules';

export const OWNER_ID_PATTERN = /^[A-Za-z0-9._:-]{1,128}$/;

/**
 * A body field that may be left out. Unlike IsOptional, null is not "left out": a field takes null only where the
 * contract says so (`label`), so `{"minValiditySeconds": null}` is refused like any other non-integer.
 */
export const Optional = () => ValidateIf((_, v) => v !== undefined);

/** ownerId: the hub's tenant, 1-128 chars of [A-Za-z0-9._:-]. */
export const IsOwnerId = (optional = false) =>
  applyDecorators(
    ...(optional ? [Optional()] : []),
    IsString({ message: 'must be a string' }),
    Matches(OWNER_ID_PATTERN, { message: 'must be 1-128 characters of A-Z a-z 0-9 . _ : -' }),
    optional
      ? ApiPropertyOptional({ example: 'tenant-42', pattern: OWNER_ID_PATTERN.source })
      : ApiProperty({ example: 'tenant-42', pattern: OWNER_ID_PATTERN.source }),
  );

/**
 * At most `max` characters as the database counts them (code points). class-validator's MaxLength discounts
 * variation selectors, so a label it accepts could still overflow a varchar(200) column.
 */
export const MaxChars = (max: number) =>
  ValidateBy({
    name: 'maxChars',
    constraints: [max],
    validator: {
      validate: (v: unknown) => typeof v !== 'string' || codePointLength(v) <= max,
      defaultMessage: () => `must be at most ${max} characters`,
    },
  });

const DECIMAL = /^-?\d+$/;

/**
 * An optional integer query parameter in [min, max]. Only plain decimal digits are converted: Number() would also
 * take '1e2', '0x10', ' 10' or '+10', which no client means as a count.
 */
export const IntegerQuery = (min: number, max: number, fallback: number) =>
  applyDecorators(
    IsOptional(),
    Transform(({ value }) => (typeof value === 'string' && DECIMAL.test(value) ? Number(value) : value)),
    IsInt({ message: 'must be a decimal integer' }),
    Min(min, { message: `must be at least ${min}` }),
    Max(max, { message: `must be at most ${max}` }),
    ApiPropertyOptional({ type: 'integer', minimum: min, maximum: max, default: fallback }),
  );

/** A required string of bounded length (the exact rules are checked by the Bitwarden URL and key rules). */
export const BoundedString = (max: number, example: string, optional = false) =>
  applyDecorators(
    ...(optional ? [Optional()] : []),
    IsString({ message: 'must be a string' }),
    MinLength(1, { message: 'must not be empty' }),
    MaxChars(max),
    optional ? ApiPropertyOptional({ example, maxLength: max }) : ApiProperty({ example, maxLength: max }),
  );

/** An optional label: a string up to 200 characters, or null. */
export const Label = () =>
  applyDecorators(
    ValidateIf((_, v) => v !== undefined && v !== null),
    IsString({ message: 'must be a string or null' }),
    MaxChars(200),
    ApiPropertyOptional({ type: String, nullable: true, maxLength: 200, example: 'Main vault' }),
  );

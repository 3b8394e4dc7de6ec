import { ArgumentMetadata, ValidationError, ValidationPipe } from '@nestjs/common';
import { getMetadataStorage } from 'class-validator';
import { AppError } from '@app/common';
import { textProblems } from './text-rules';

/** Type problems are reported before range problems: "must be an integer" says more than "must be at most 3300". */
const TYPE_FIRST = ['whitelistValidation', 'isString', 'isInt', 'isUuid', 'isIn', 'isBoolean'];

function problemOf(e: ValidationError): string {
  const c = e.constraints ?? {};
  if (c.whitelistValidation) return 'is not allowed';
  if (e.value === undefined) return 'is required';
  const key = TYPE_FIRST.find((k) => c[k]) ?? Object.keys(c)[0];
  const msg = c[key];
  return msg.startsWith(`${e.property} `) ? msg.slice(e.property.length + 1) : msg;
}

function collect(errors: ValidationError[], prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) out[path] = problemOf(e);
    if (e.children?.length) collect(e.children, path, out);
  }
  return out;
}

export const invalid = (fields: Record<string, string>) =>
  new AppError('validation_failed', `The request is not valid: check ${Object.keys(fields).join(', ') || 'the body'}.`, { fields });

/**
 * Adds the text rules (no control characters, no unpaired surrogates) to every string of every body and query,
 * whatever its DTO says, merged with the DTO's own problems so one answer names every bad field. Route params are
 * left to their handlers: a malformed id is simply not found.
 */
class EdgeValidationPipe extends ValidationPipe {
  private readonly allowed = new Map<Function, Set<string>>();

  override async transform(value: unknown, metadata: ArgumentMetadata): Promise<unknown> {
    const edge = metadata.type === 'body' || metadata.type === 'query';
    const text = edge ? { ...this.unknownKeys(value, metadata), ...textProblems(value) } : {};
    const clean = Object.keys(text).length === 0;
    try {
      const out = await super.transform(value, metadata);
      if (!clean) throw invalid(text);
      return out;
    } catch (e) {
      if (clean || !(e instanceof AppError) || e.code !== 'validation_failed') throw e;
      throw invalid({ ...e.extra.fields, ...text });
    }
  }

  /**
   * Own keys of the parsed input that the DTO does not declare. class-transformer skips `__proto__`, `constructor`
   * and the names of Object.prototype's methods, so forbidNonWhitelisted never sees them: they are judged here.
   */
  private unknownKeys(value: unknown, metadata: ArgumentMetadata): Record<string, string> {
    const type = metadata.metatype;
    if (!type || typeof value !== 'object' || value === null || Array.isArray(value) || [Object, String, Number, Boolean, Array].includes(type as never)) return {};
    let allowed = this.allowed.get(type);
    if (!allowed) {
      allowed = new Set(getMetadataStorage().getTargetValidationMetadatas(type, '', true, false).map((m) => m.propertyName));
      this.allowed.set(type, allowed);
    }
    // fromEntries, not assignment: `out['__proto__'] = …` would set a prototype instead of naming the field.
    return Object.fromEntries(Object.keys(value).filter((k) => !allowed.has(k)).map((k) => [k, 'is not allowed']));
  }
}

/** Whitelisting pipe: unknown fields, wrong types and over-long values become 400 validation_failed naming each field. */
export const validationPipe = new EdgeValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  // `value` is read only to tell "missing" from "wrong"; values are never put into the response.
  validationError: { target: false, value: true },
  exceptionFactory: (errors) => invalid(collect(errors)),
});

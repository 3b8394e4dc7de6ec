import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError } from '@app/common';

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

/** Whitelisting pipe: unknown fields, wrong types and over-long values become 400 validation_failed naming each field. */
export const validationPipe = new ValidationPipe({
  whitelist: true,
  forbidNonWhitelisted: true,
  forbidUnknownValues: true,
  transform: true,
  // `value` is read only to tell "missing" from "wrong"; values are never put into the response.
  validationError: { target: false, value: true },
  exceptionFactory: (errors) => {
    const fields = collect(errors);
    const names = Object.keys(fields);
    return new AppError('validation_failed', `The request is not valid: check ${names.join(', ') || 'the body'}.`, { fields });
  },
});

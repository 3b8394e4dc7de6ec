import { ValidationError, ValidationPipe } from '@nestjs/common';
import { AppError } from '@app/common';

function collect(errors: ValidationError[], prefix = '', out: Record<string, string> = {}): Record<string, string> {
  for (const e of errors) {
    const path = prefix ? `${prefix}.${e.property}` : e.property;
    if (e.constraints) {
      const first = Object.values(e.constraints)[0];
      out[path] = e.constraints.whitelistValidation ? 'is not allowed' : first.startsWith(`${e.property} `) ? first.slice(e.property.length + 1) : first;
    }
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
  validationError: { target: false, value: false },
  exceptionFactory: (errors) => {
    const fields = collect(errors);
    const names = Object.keys(fields);
    return new AppError('validation_failed', `The request is not valid: check ${names.join(', ') || 'the body'}.`, { fields });
  },
});

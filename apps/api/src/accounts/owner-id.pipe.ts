import { Injectable, PipeTransform } from '@nestjs/common';
import { AppError } from '@app/common';
import { OWNER_ID_PATTERN } from '../common/validators';

/** `:ownerId` in a path obeys the same rule as ownerId in bodies and queries. */
@Injectable()
export class OwnerIdPipe implements PipeTransform<string, string> {
  transform(raw: string): string {
    if (!OWNER_ID_PATTERN.test(raw)) {
      throw new AppError('validation_failed', 'ownerId is not valid.', { fields: { ownerId: 'must be 1-128 characters of A-Z a-z 0-9 . _ : -' } });
    }
    return raw;
  }
}

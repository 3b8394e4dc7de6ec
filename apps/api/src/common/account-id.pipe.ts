import { Injectable, PipeTransform } from '@nestjs/common';
import { notFound } from '@app/accounts';
import { parseUuid } from '@app/common';

/** `:id` parsed once at the edge: a canonical (lower-case) UUID, or 404 as if no such account existed. */
@Injectable()
export class AccountIdPipe implements PipeTransform<string, string> {
  transform(raw: string): string {
    const id = parseUuid(raw);
    if (!id) throw notFound();
    return id;
  }
}

import { BadRequestException, Injectable, PipeTransform } from '@nestjs/common';
import { DNS_LABEL } from './validation';

/** Path names are DNS-1123 labels; anything else is a 400, not a lookup. */
@Injectable()
export class NamePipe implements PipeTransform<string, string> {
  transform(value: string): string {
    if (typeof value !== 'string' || !DNS_LABEL.test(value)) throw new BadRequestException(`name "${String(value).slice(0, 80)}" is not a DNS-1123 label`);
    return value;
  }
}

import { SetMetadata } from '@nestjs/common';

export const IS_PUBLIC = 'flotilla:public';

/** Routes that need no API token: operations endpoints and the signed git webhook receiver. */
export const Public = () => SetMetadata(IS_PUBLIC, true);

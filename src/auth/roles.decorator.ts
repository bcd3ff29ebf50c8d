import { SetMetadata } from '@nestjs/common';
import { Role, ROLES } from './api-token.entity';

export const REQUIRED_ROLE = 'flotilla:role';

/** The least role a route needs. Routes without it need admin (fail closed). */
export const MinRole = (role: Role) => SetMetadata(REQUIRED_ROLE, role);

export const roleRank = (role: Role): number => ROLES.indexOf(role);

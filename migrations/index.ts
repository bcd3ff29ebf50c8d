// Every migration, in order. Generated files are added here by hand (explicit imports work the
// same under tsc, Vitest and the TypeORM CLI, where a glob of .ts files would not).
import { Initial1795608268186 } from './1795608268186-Initial';
import { AuditAppendOnly1795608300000 } from './1795608300000-AuditAppendOnly';
import { Clusters1795608596544 } from './1795608596544-Clusters';
import { Repositories1795609004738 } from './1795609004738-Repositories';
import { AuditKeyedChain1795668173574 } from './1795668173574-AuditKeyedChain';
import { Applications1795675408729 } from './1795675408729-Applications';
import { Hooks1795677554120 } from './1795677554120-Hooks';
import { Rendering1795678256682 } from './1795678256682-Rendering';
import { DeliveryVersion1795679230142 } from './1795679230142-DeliveryVersion';
import { Rollouts1796680000000 } from './1796680000000-Rollouts';
import { DriftRules1796690000000 } from './1796690000000-DriftRules';
import { Summaries1796700000000 } from './1796700000000-Summaries';
import { FleetCounts1796710000000 } from './1796710000000-FleetCounts';

export const MIGRATIONS: Function[] = [Initial1795608268186, AuditAppendOnly1795608300000, Clusters1795608596544, Repositories1795609004738, AuditKeyedChain1795668173574, Applications1795675408729, Hooks1795677554120, Rendering1795678256682, DeliveryVersion1795679230142, Rollouts1796680000000, DriftRules1796690000000, Summaries1796700000000, FleetCounts1796710000000];

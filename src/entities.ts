// Every entity, listed once; the app's DataSource and the migration generator both read this list.
// It lives at the root with the other wiring, so the database layer imports no feature module.
import { Application } from './applications/application.entity';
import { Rollout } from './applications/rollout/rollout.entity';
import { SyncRun } from './applications/sync-run.entity';
import { TargetRow } from './applications/target.entity';
import { Channel } from './channels/channel.entity';
import { Delivery } from './channels/delivery.entity';
import { AuditEntry } from './audit/audit-entry.entity';
import { ApiToken } from './auth/api-token.entity';
import { Cluster } from './clusters/cluster.entity';
import { Repository } from './repositories/repository.entity';
import { HealthSample } from './summaries/health-sample.entity';

export const ENTITIES: Function[] = [ApiToken, AuditEntry, Cluster, Repository, Application, TargetRow, SyncRun, Rollout, Channel, Delivery, HealthSample];

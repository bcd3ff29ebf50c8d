import { Inject, Injectable } from '@nestjs/common';
import { ConflictError, NotFoundError } from '../shared/errors';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { SecretBox } from '../security/secret-box';
import { Cluster } from './cluster.entity';
import { ClusterClients, CREDENTIALS_PURPOSE, StoredCredentials } from './cluster-clients';
import { Connection, resolveConnection } from './cluster-definition';
import { ClusterChecks } from './cluster-checks';
import { ClusterEvents } from './cluster-events';
import { CreateClusterDto, UpdateClusterDto } from './dto/cluster.dto';
import { matches, parseSelector } from '../shared/label-selector';

export { clusterView } from './dto/cluster.view';

@Injectable()
export class ClustersService {
  constructor(
    private readonly db: Database,
    @Inject(SecretBox) private readonly box: SecretBox,
    private readonly clients: ClusterClients,
    private readonly checks: ClusterChecks,
    private readonly config: AppConfig,
    private readonly events: ClusterEvents,
  ) {}

  private get repo() {
    return this.db.manager.getRepository(Cluster);
  }

  async list(selector?: string): Promise<Cluster[]> {
    const requirements = parseSelector(selector ?? '');
    const all = await this.repo.find({ order: { name: 'ASC' } });
    return all.filter((c) => matches(requirements, c.labels));
  }

  async get(name: string): Promise<Cluster> {
    const c = await this.repo.findOne({ where: { name } });
    if (!c) throw new NotFoundError('cluster', name);
    return c;
  }

  /** Registers and checks at once; a cluster that is down is still registered (Unreachable). */
  async create(dto: CreateClusterDto): Promise<Cluster> {
    const conn = resolveConnection(dto, undefined, this.config.clusters.allowInsecureHttp)!;
    await this.db.write(async (tx) => {
      const repo = tx.getRepository(Cluster);
      if (await repo.exists({ where: { name: dto.name } })) throw new ConflictError(`cluster "${dto.name}" already exists`);
      await repo.insert(repo.create({ name: dto.name, labels: dto.labels ?? {}, phase: 'Pending', generation: 1, ...this.stored(conn) }));
    });
    const checked = await this.checks.check(dto.name);
    await this.events.emit({ kind: 'registered', cluster: dto.name });
    return checked;
  }

  async update(name: string, dto: UpdateClusterDto): Promise<Cluster> {
    const current = await this.get(name);
    const conn = resolveConnection(dto, this.connectionOf(current), this.config.clusters.allowInsecureHttp);
    const relabelled = dto.labels !== undefined && JSON.stringify(dto.labels) !== JSON.stringify(current.labels);
    await this.db.write(async (tx) => {
      const repo = tx.getRepository(Cluster);
      const row = await repo.findOne({ where: { name } });
      if (!row) throw new NotFoundError('cluster', name);
      if (dto.labels !== undefined) row.labels = dto.labels;
      if (conn) Object.assign(row, this.stored(conn), { generation: row.generation + 1, phase: 'Pending' as const, message: 'connection changed; checking' });
      await repo.save(row);
    });
    if (relabelled) await this.events.emit({ kind: 'relabelled', cluster: name });
    if (!conn) return this.get(name);
    this.clients.drop(name);
    return this.checks.check(name);
  }

  /** Stops managing the cluster; what runs there keeps running. */
  async remove(name: string): Promise<void> {
    await this.db.write(async (tx) => {
      const res = await tx.getRepository(Cluster).delete({ name });
      if (!res.affected) throw new NotFoundError('cluster', name);
    });
    await this.events.emit({ kind: 'removed', cluster: name });
    this.clients.drop(name);
  }

  private stored(conn: Connection) {
    return {
      server: conn.server,
      caData: conn.caData,
      insecureSkipVerify: conn.insecureSkipVerify,
      authType: conn.authType,
      credentials: this.box.encrypt(JSON.stringify(conn.credentials), CREDENTIALS_PURPOSE),
      source: conn.source,
      kubeconfigContext: conn.kubeconfigContext,
    };
  }

  private connectionOf(c: Cluster): Connection {
    return {
      server: c.server,
      caData: c.caData,
      insecureSkipVerify: c.insecureSkipVerify,
      authType: c.authType,
      credentials: JSON.parse(this.box.decrypt(c.credentials, CREDENTIALS_PURPOSE)) as StoredCredentials,
      source: c.source,
      kubeconfigContext: c.kubeconfigContext,
    };
  }
}

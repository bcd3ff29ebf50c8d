import { Injectable } from '@nestjs/common';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { GitUrlError, parseGitUrl, RefreshResult } from '../git';
import { ConflictError, InvalidInputError, NotFoundError } from '../shared/errors';
import { CreateRepositoryDto, UpdateRepositoryDto } from './dto/repository.dto';
import { RepositoryFetches } from './repository-fetches';
import { RepositorySecrets } from './repository-secrets';
import { RepositoryUsage } from './repository-usage';
import { Repository } from './repository.entity';

export { repositoryView } from './dto/repository.view';

/** Repositories as stored definitions: validated, secrets sealed, their mirrors kept in step. */
@Injectable()
export class RepositoriesService {
  constructor(
    private readonly db: Database,
    private readonly config: AppConfig,
    private readonly secrets: RepositorySecrets,
    private readonly fetches: RepositoryFetches,
    private readonly usage: RepositoryUsage,
  ) {}

  private get repo() {
    return this.db.manager.getRepository(Repository);
  }

  list(): Promise<Repository[]> {
    return this.repo.find({ order: { name: 'ASC' } });
  }

  async get(name: string): Promise<Repository> {
    const r = await this.repo.findOne({ where: { name } });
    if (!r) throw new NotFoundError('repository', name);
    return r;
  }

  /** Stores, mirrors and fetches once; a repository that cannot be fetched yet is kept, with the reason. */
  async create(dto: CreateRepositoryDto): Promise<Repository> {
    this.checkUrl(dto.url);
    this.checkPollInterval(dto.pollIntervalSeconds);
    const row = await this.db.write(async (tx) => {
      const repo = tx.getRepository(Repository);
      if (await repo.exists({ where: { name: dto.name } })) throw new ConflictError(`repository "${dto.name}" already exists`);
      return repo.save(
        repo.create({
          name: dto.name,
          url: dto.url,
          branch: dto.branch ?? 'main',
          pollIntervalSeconds: dto.pollIntervalSeconds ?? this.config.git.defaultPollIntervalSeconds,
          ...this.secrets.sealAuth(dto.auth ?? null),
          webhookSecret: this.secrets.sealWebhookSecret(dto.webhookSecret ?? null),
          revision: null,
          lastFetchedAt: null,
          message: 'not fetched yet',
        }),
      );
    });
    this.fetches.activate(row);
    await this.fetches.refresh(dto.name).catch(() => undefined);
    return this.get(dto.name);
  }

  async update(name: string, dto: UpdateRepositoryDto): Promise<Repository> {
    if (dto.url !== undefined) this.checkUrl(dto.url);
    this.checkPollInterval(dto.pollIntervalSeconds);
    const row = await this.db.write(async (tx) => {
      const repo = tx.getRepository(Repository);
      const r = await repo.findOne({ where: { name } });
      if (!r) throw new NotFoundError('repository', name);
      if (dto.url !== undefined) r.url = dto.url;
      if (dto.branch !== undefined) r.branch = dto.branch;
      if (dto.pollIntervalSeconds !== undefined) r.pollIntervalSeconds = dto.pollIntervalSeconds;
      if (dto.auth !== undefined) Object.assign(r, this.secrets.sealAuth(dto.auth));
      if (dto.webhookSecret !== undefined) r.webhookSecret = this.secrets.sealWebhookSecret(dto.webhookSecret);
      return repo.save(r);
    });
    this.fetches.activate(row);
    if (dto.url !== undefined || dto.branch !== undefined || dto.auth !== undefined) await this.fetches.refresh(name).catch(() => undefined);
    return this.get(name);
  }

  /** Deletes the definition and its mirror; refused (409) while anything uses the repository. */
  async remove(name: string): Promise<void> {
    await this.get(name);
    const users = await this.usage.usersOf(name);
    if (users.length) throw new ConflictError(`repository "${name}" is used by ${users.join(', ')}; remove those first`);
    await this.db.write(async (tx) => {
      const res = await tx.getRepository(Repository).delete({ name });
      if (!res.affected) throw new NotFoundError('repository', name);
    });
    await this.fetches.deactivate(name);
  }

  /** Fetches now (coalesced with any fetch in flight); the row holds the outcome afterwards. */
  async refresh(name: string): Promise<RefreshResult> {
    await this.get(name);
    return this.fetches.refresh(name);
  }

  private checkPollInterval(seconds: number | undefined): void {
    const min = this.config.git.minPollIntervalSeconds;
    if (seconds !== undefined && seconds < min) throw new InvalidInputError(`pollIntervalSeconds must be at least ${min} (git.minPollIntervalSeconds)`);
  }

  private checkUrl(url: string): void {
    try {
      parseGitUrl(url, this.fetches.urlPolicy);
    } catch (e) {
      if (e instanceof GitUrlError) throw new InvalidInputError(`url: ${e.message}`);
      throw e;
    }
  }
}

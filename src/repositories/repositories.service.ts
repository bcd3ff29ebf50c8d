import { join } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap, OnApplicationShutdown } from '@nestjs/common';
import { ConflictError, InvalidInputError, NotFoundError } from '../common/errors/domain-errors';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { GitCredentials, GitUrlError, parseGitUrl, RefreshResult, RepositoryMirrors } from '../git';
import { SecretBox } from '../security/secret-box';
import { CreateRepositoryDto, UpdateRepositoryDto } from './dto/repository.dto';
import { Repository } from './repository.entity';
import { RepositoryEvents } from './repository-events';
import { RepositoryPolling } from './repository-polling';

const CREDENTIALS = 'repository.credentials';
const WEBHOOK_SECRET = 'repository.webhookSecret';

export function repositoryView(r: Repository) {
  return {
    name: r.name,
    url: r.url,
    branch: r.branch,
    pollIntervalSeconds: r.pollIntervalSeconds,
    auth:
      r.authType === 'basic' ? { type: 'basic', username: r.username, hasPassword: true }
      : r.authType === 'sshKey' ? { type: 'sshKey', hasPrivateKey: true, knownHosts: r.knownHosts ?? undefined }
      : null,
    hasWebhookSecret: r.webhookSecret !== null,
    status: { revision: r.revision, lastFetchedAt: r.lastFetchedAt, message: r.message ?? '' },
    createdAt: r.createdAt,
    updatedAt: r.updatedAt,
  };
}

/** Repositories: stored definitions, their mirrors, polling, and the status of the last fetch. */
@Injectable()
export class RepositoriesService implements OnApplicationBootstrap, OnApplicationShutdown {
  private readonly log = new Logger(RepositoriesService.name);
  readonly mirrors: RepositoryMirrors;
  /** encrypted webhook secrets by repository, for the synchronous signature check */
  private readonly webhookSecrets = new Map<string, string>();
  private unsubscribe?: () => void;

  constructor(
    private readonly db: Database,
    @Inject(SecretBox) private readonly box: SecretBox,
    private readonly config: AppConfig,
    private readonly polling: RepositoryPolling,
    private readonly events: RepositoryEvents,
  ) {
    this.mirrors = new RepositoryMirrors({
      baseDir: join(config.dataDir, 'git'),
      fetchTimeoutSeconds: config.git.fetchTimeoutSeconds,
      urlPolicy: this.urlPolicy,
    });
  }

  private get urlPolicy() {
    return { allowFile: this.config.git.allowFileUrls, allowInsecure: this.config.git.allowInsecureHttp };
  }

  private get repo() {
    return this.db.manager.getRepository(Repository);
  }

  async onApplicationBootstrap(): Promise<void> {
    this.unsubscribe = this.mirrors.onMoved((e) => this.events.emitMoved(e));
    for (const r of await this.repo.find()) this.activate(r);
  }

  onApplicationShutdown(): void {
    this.unsubscribe?.();
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
      const r = repo.create({
        name: dto.name,
        url: dto.url,
        branch: dto.branch ?? 'main',
        pollIntervalSeconds: dto.pollIntervalSeconds ?? this.config.git.defaultPollIntervalSeconds,
        ...this.storedAuth(dto.auth ?? null),
        webhookSecret: dto.webhookSecret ? this.box.encrypt(dto.webhookSecret, WEBHOOK_SECRET) : null,
        revision: null,
        lastFetchedAt: null,
        message: 'not fetched yet',
      });
      return repo.save(r);
    });
    this.activate(row);
    await this.refresh(dto.name).catch(() => undefined);
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
      if (dto.auth !== undefined) Object.assign(r, this.storedAuth(dto.auth));
      if (dto.webhookSecret !== undefined) r.webhookSecret = dto.webhookSecret ? this.box.encrypt(dto.webhookSecret, WEBHOOK_SECRET) : null;
      return repo.save(r);
    });
    this.activate(row);
    if (dto.url !== undefined || dto.branch !== undefined || dto.auth !== undefined) await this.refresh(name).catch(() => undefined);
    return this.get(name);
  }

  async remove(name: string): Promise<void> {
    await this.db.write(async (tx) => {
      const res = await tx.getRepository(Repository).delete({ name });
      if (!res.affected) throw new NotFoundError('repository', name);
    });
    this.polling.cancel(name);
    this.webhookSecrets.delete(name);
    await this.mirrors.unregister(name, true);
  }

  /** Fetches now (coalesced with any fetch in flight) and stores the outcome. */
  async refresh(name: string): Promise<RefreshResult> {
    await this.get(name);
    try {
      return await this.mirrors.refresh(name);
    } finally {
      const s = this.mirrors.status(name);
      await this.db.write((tx) =>
        tx.getRepository(Repository).update({ name }, { revision: s.revision ?? null, lastFetchedAt: s.lastFetchedAt ?? null, message: s.message }),
      );
    }
  }

  /** The decrypted webhook secret, for signature checks only. */
  webhookSecretOf(name: string): string | undefined {
    const stored = this.webhookSecrets.get(name);
    return stored ? this.box.decrypt(stored, WEBHOOK_SECRET) : undefined;
  }

  private activate(r: Repository): void {
    this.mirrors.register({ name: r.name, url: r.url, branch: r.branch, auth: this.credentialsOf(r) });
    if (r.webhookSecret) this.webhookSecrets.set(r.name, r.webhookSecret);
    else this.webhookSecrets.delete(r.name);
    this.polling.schedule(r.name, r.pollIntervalSeconds, () => this.refresh(r.name));
  }

  private checkPollInterval(seconds: number | undefined): void {
    const min = this.config.git.minPollIntervalSeconds;
    if (seconds !== undefined && seconds < min) throw new InvalidInputError(`pollIntervalSeconds must be at least ${min} (git.minPollIntervalSeconds)`);
  }

  private checkUrl(url: string): void {
    try {
      parseGitUrl(url, this.urlPolicy);
    } catch (e) {
      if (e instanceof GitUrlError) throw new InvalidInputError(`url: ${e.message}`);
      throw e;
    }
  }

  private storedAuth(auth: CreateRepositoryDto['auth']) {
    if (!auth) return { authType: 'none' as const, username: null, knownHosts: null, credentials: null };
    if (auth.type === 'basic') {
      return { authType: 'basic' as const, username: auth.username!, knownHosts: null, credentials: this.box.encrypt(auth.password!, CREDENTIALS) };
    }
    return { authType: 'sshKey' as const, username: null, knownHosts: auth.knownHosts ?? null, credentials: this.box.encrypt(auth.privateKey!, CREDENTIALS) };
  }

  private credentialsOf(r: Repository): GitCredentials | undefined {
    if (r.authType === 'none' || !r.credentials) return undefined;
    const secret = this.box.decrypt(r.credentials, CREDENTIALS);
    if (r.authType === 'basic') return { type: 'basic', username: r.username ?? '', password: secret };
    return { type: 'sshKey', privateKey: secret, knownHosts: r.knownHosts ?? undefined };
  }
}

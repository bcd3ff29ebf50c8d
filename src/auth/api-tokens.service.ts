import { randomBytes } from 'node:crypto';
import { chmodSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { Inject, Injectable, Logger, OnApplicationBootstrap } from '@nestjs/common';
import { Clock } from '../shared/clock';
import { ConflictError, NotFoundError } from '../shared/errors';
import { secretsEqual } from '../shared/secret-compare';
import { AppConfig } from '../config/app-config';
import { Database } from '../database/database';
import { SecretBox } from '../security/secret-box';
import { ApiToken, Role } from './api-token.entity';
import { Principal } from './principal';

const TOKEN_FORMAT = /^flt_([0-9a-f]{12})_([A-Za-z0-9_-]{43})$/;
const HASH_PURPOSE = 'api-token';
export const BOOTSTRAP_TOKEN_NAME = 'bootstrap-admin';
export const ADMIN_TOKEN_FILE = 'admin-token';
/** lastUsedAt is a hint, not an audit trail: write it at most this often per token */
const LAST_USED_RESOLUTION_MS = 60_000;

export interface TokenView {
  name: string;
  role: Role;
  createdBy: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

@Injectable()
export class ApiTokensService implements OnApplicationBootstrap {
  private readonly log = new Logger(ApiTokensService.name);
  /** FLOTILLA_ADMIN_TOKEN's keyed hash, kept in memory only */
  private readonly configuredAdmin: Buffer | null;
  private readonly lastUsedWritten = new Map<string, number>();

  constructor(
    private readonly db: Database,
    @Inject(SecretBox) private readonly box: SecretBox,
    private readonly config: AppConfig,
    private readonly clock: Clock,
  ) {
    this.configuredAdmin = config.security.adminToken ? box.digest(config.security.adminToken, HASH_PURPOSE) : null;
  }

  /** SPEC §2: with no FLOTILLA_ADMIN_TOKEN and no admin token stored, make one and say where it is. */
  async onApplicationBootstrap(): Promise<void> {
    if (this.configuredAdmin) return;
    const admins = await this.db.manager.getRepository(ApiToken).count({ where: { role: 'admin' } });
    if (admins > 0) return;
    const file = join(this.config.dataDir, ADMIN_TOKEN_FILE);
    const { token } = await this.create(BOOTSTRAP_TOKEN_NAME, 'admin', 'flotilla');
    writeFileSync(file, token + '\n', { mode: 0o600 });
    chmodSync(file, 0o600);
    this.log.warn({ file }, `generated the first admin token; it is in ${file} (readable by this user only)`);
  }

  async create(name: string, role: Role, createdBy: string): Promise<TokenView & { token: string }> {
    const id = randomBytes(6).toString('hex');
    const token = `flt_${id}_${randomBytes(32).toString('base64url')}`;
    const row = await this.db.write(async (tx) => {
      const repo = tx.getRepository(ApiToken);
      if (await repo.exists({ where: { name } })) throw new ConflictError(`token "${name}" already exists`);
      return repo.save(repo.create({ id, name, role, hash: this.box.digest(token, HASH_PURPOSE), createdBy, lastUsedAt: null }));
    });
    return { ...view(row), token };
  }

  async list(): Promise<TokenView[]> {
    return (await this.db.manager.getRepository(ApiToken).find({ order: { name: 'ASC' } })).map(view);
  }

  async revoke(name: string): Promise<void> {
    await this.db.write(async (tx) => {
      const res = await tx.getRepository(ApiToken).delete({ name });
      if (!res.affected) throw new NotFoundError('token', name);
    });
  }

  /** The principal a bearer token stands for, or null. Constant-time comparison of keyed hashes. */
  async authenticate(token: string): Promise<Principal | null> {
    const digest = this.box.digest(token, HASH_PURPOSE);
    const m = TOKEN_FORMAT.exec(token);
    if (!m) {
      if (this.configuredAdmin && secretsEqual(digest, this.configuredAdmin)) return { name: BOOTSTRAP_TOKEN_NAME, role: 'admin' };
      return null;
    }
    const row = await this.db.manager.getRepository(ApiToken).findOne({ where: { id: m[1] } });
    if (!row || !secretsEqual(digest, row.hash)) return null;
    this.touch(row);
    return { name: row.name, role: row.role };
  }

  private touch(row: ApiToken): void {
    const now = this.clock.now();
    if (now - (this.lastUsedWritten.get(row.id) ?? 0) < LAST_USED_RESOLUTION_MS) return;
    this.lastUsedWritten.set(row.id, now);
    void this.db
      .write((tx) => tx.getRepository(ApiToken).update({ id: row.id }, { lastUsedAt: new Date(now) }))
      .catch((e) => this.log.warn({ err: e }, 'could not record token use'));
  }
}

const view = (t: ApiToken): TokenView => ({ name: t.name, role: t.role, createdBy: t.createdBy, createdAt: t.createdAt, lastUsedAt: t.lastUsedAt });

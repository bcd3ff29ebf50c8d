import { Inject, Injectable } from '@nestjs/common';
import type { GitCredentials } from '../git';
import { SecretBox } from '../security/secret-box';
import type { RepositoryAuthDto } from './dto/repository.dto';
import type { Repository } from './repository.entity';

// associated data of each secret: a value sealed for one field cannot be replayed into another
const CREDENTIALS = 'repository.credentials';
const WEBHOOK_SECRET = 'repository.webhookSecret';

/** The columns that hold a repository's authentication: the secret part sealed. */
export type StoredAuth = Pick<Repository, 'authType' | 'username' | 'knownHosts' | 'credentials'>;

/** A repository's two secrets, sealed for the database and opened only where they are used. */
@Injectable()
export class RepositorySecrets {
  constructor(@Inject(SecretBox) private readonly box: SecretBox) {}

  sealAuth(auth: RepositoryAuthDto | null): StoredAuth {
    if (!auth) return { authType: 'none', username: null, knownHosts: null, credentials: null };
    if (auth.type === 'basic') {
      return { authType: 'basic', username: auth.username!, knownHosts: null, credentials: this.box.encrypt(auth.password!, CREDENTIALS) };
    }
    return { authType: 'sshKey', username: null, knownHosts: auth.knownHosts ?? null, credentials: this.box.encrypt(auth.privateKey!, CREDENTIALS) };
  }

  /** what git needs to fetch; undefined for a public repository */
  credentialsOf(r: Repository): GitCredentials | undefined {
    if (r.authType === 'none' || !r.credentials) return undefined;
    const secret = this.box.decrypt(r.credentials, CREDENTIALS);
    if (r.authType === 'basic') return { type: 'basic', username: r.username ?? '', password: secret };
    return { type: 'sshKey', privateKey: secret, knownHosts: r.knownHosts ?? undefined };
  }

  sealWebhookSecret(secret: string | null): string | null {
    return secret ? this.box.encrypt(secret, WEBHOOK_SECRET) : null;
  }

  /** for signature checks only */
  webhookSecretOf(r: Repository): string | undefined {
    return r.webhookSecret ? this.box.decrypt(r.webhookSecret, WEBHOOK_SECRET) : undefined;
  }
}

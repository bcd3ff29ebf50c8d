import { Injectable } from '@nestjs/common';

/** Names the things (applications) that use a repository; empty when none does. */
export type RepositoryUsageCheck = (repository: string) => Promise<string[]>;

/**
 * Who uses a repository, asked before it is deleted (409 while in use). Modules that refer to
 * repositories register a check here at start; this module imports none of them, so there is
 * no import cycle between repositories and their users.
 */
@Injectable()
export class RepositoryUsage {
  private readonly checks: RepositoryUsageCheck[] = [];

  register(check: RepositoryUsageCheck): () => void {
    this.checks.push(check);
    return () => {
      const i = this.checks.indexOf(check);
      if (i >= 0) this.checks.splice(i, 1);
    };
  }

  async usersOf(repository: string): Promise<string[]> {
    return (await Promise.all(this.checks.map((check) => check(repository)))).flat();
  }
}

// The git webhook receiver does the same work for a URL no repository has as for a registered one
// (one query of the same shape, one decryption, one HMAC, one constant-time comparison), so how
// long the 401 takes does not tell which repository URLs are registered. The answers are alike too.
import * as crypto from 'node:crypto';
import { beforeEach, describe, expect, it, vi } from 'vitest';
import type { AuditLog } from '../audit/audit-log';
import type { FailedAuthLimiter } from '../auth/failed-auth-limiter';
import type { Database } from '../database/database';
import { NO_REPOSITORY, receivePush, signGitea, signGithub, UNVERIFIED_WEBHOOK } from '../git';
import { SecretBox } from '../security/secret-box';
import { UnauthorizedError } from '../shared/errors';
import { PushReceiver } from './push-receiver';
import type { RepositoryFetches } from './repository-fetches';
import { RepositorySecrets } from './repository-secrets';
import type { Repository } from './repository.entity';

// every HMAC and every constant-time comparison, counted (the real functions still run)
vi.mock('node:crypto', async (importOriginal) => {
  const actual = await importOriginal<typeof import('node:crypto')>();
  return { ...actual, createHmac: vi.fn(actual.createHmac), timingSafeEqual: vi.fn(actual.timingSafeEqual) };
});

const SECRET = 'push-receiver-secret-0123456789';
const HOOKED = 'https://git.example.com/acme/hooked.git';
const UNSECURED = 'https://git.example.com/acme/unsecured.git';
const UNKNOWN = 'https://git.example.com/acme/nobody.git';

describe('PushReceiver', () => {
  const box = new SecretBox(crypto.randomBytes(32));
  const secrets = new RepositorySecrets(box);
  const rows: Record<string, Pick<Repository, 'name' | 'webhookSecret'>> = {
    hooked: { name: 'hooked', webhookSecret: secrets.sealWebhookSecret(SECRET) },
    unsecured: { name: 'unsecured', webhookSecret: null },
  };
  const findOne = vi.fn(async (options: { where: { name: string } }) => rows[options.where.name] ?? null);
  const db = { manager: { getRepository: () => ({ findOne }) } } as unknown as Database;
  const byUrl: Record<string, string> = { [HOOKED]: 'hooked', [UNSECURED]: 'unsecured' };
  const fetches = { match: (urls: readonly string[]) => urls.flatMap((u) => byUrl[u] ?? []), refresh: vi.fn(async () => undefined) } as unknown as RepositoryFetches;
  const limiter = { fail: vi.fn() } as unknown as FailedAuthLimiter;
  const audit = { record: vi.fn(async () => undefined) } as unknown as AuditLog;
  const receiver = new PushReceiver(db, fetches, secrets, limiter, audit);
  const decrypt = vi.spyOn(box, 'decrypt');
  const hmac = vi.mocked(crypto.createHmac);
  const compare = vi.mocked(crypto.timingSafeEqual);

  const clear = () => [findOne, decrypt, hmac, compare].forEach((m) => m.mockClear());
  beforeEach(clear);

  type Forge = 'github' | 'gitea' | 'gitlab';
  /** a push naming `url`, signed (or carrying the token) `secret` the way `forge` does */
  function push(forge: Forge, url: string, secret: string) {
    const body = Buffer.from(JSON.stringify({ ref: 'refs/heads/main', after: 'a'.repeat(40), repository: { clone_url: url, git_http_url: url }, project: { git_http_url: url } }));
    const headers: Record<string, string> =
      forge === 'github'
        ? { 'x-github-event': 'push', 'x-hub-signature-256': signGithub(body, secret) }
        : forge === 'gitea'
          ? { 'x-gitea-event': 'push', 'x-gitea-signature': signGitea(body, secret) }
          : { 'x-gitlab-event': 'Push Hook', 'x-gitlab-token': secret };
    return { headers, body };
  }

  /** the answer (or the error) and the work done for it */
  async function receive(forge: Forge, url: string, secret: string) {
    const { headers, body } = push(forge, url, secret);
    clear();
    const answer = await receiver.receive(headers, body, '192.0.2.1').catch((e: unknown) => e);
    return {
      answer: answer instanceof Error ? { error: answer.constructor.name, message: answer.message } : answer,
      looked: findOne.mock.calls.map(([options]) => options.where.name),
      work: {
        queries: findOne.mock.calls.map(([options]) => ({ ...options, where: Object.keys(options.where) })),
        decryptions: decrypt.mock.calls.length,
        hmacs: hmac.mock.calls.length,
        comparisons: compare.mock.calls.length,
      },
    };
  }

  it.each(['github', 'gitea', 'gitlab'] as const)('%s: an unknown URL and a repository without a secret answer and work as a wrong signature does', async (forge) => {
    const wrong = await receive(forge, HOOKED, 'not-the-secret-not-the-secret-0');
    const unknown = await receive(forge, UNKNOWN, SECRET);
    const unsecured = await receive(forge, UNSECURED, SECRET);
    expect(wrong.answer).toEqual({ error: UnauthorizedError.name, message: UNVERIFIED_WEBHOOK });
    expect(unknown.answer).toEqual(wrong.answer);
    expect(unsecured.answer).toEqual(wrong.answer);

    const work = { queries: [{ where: ['name'], select: { name: true, webhookSecret: true } }], decryptions: 1, hmacs: forge === 'gitlab' ? 0 : 1, comparisons: 1 };
    expect(wrong.work).toEqual(work);
    expect(unknown.work, 'the unknown URL: the same query, a decryption, the HMAC and the comparison').toEqual(work);
    expect(unsecured.work, 'no secret: the decoy is opened and checked against').toEqual(work);
    // the unknown URL looked up a name no repository can have
    expect([wrong.looked, unknown.looked, unsecured.looked]).toEqual([['hooked'], [NO_REPOSITORY], ['unsecured']]);
  });

  it('still accepts the right signature, with the same work', async () => {
    const good = await receive('github', HOOKED, SECRET);
    expect(good.answer).toMatchObject({ accepted: true, repositories: ['hooked'] });
    expect(good.work).toMatchObject({ decryptions: 1, hmacs: 1, comparisons: 1 });
  });

  it('looks up NO_REPOSITORY for an unknown URL, and never accepts it even if a secret came back for it', async () => {
    const { headers, body } = push('github', UNKNOWN, SECRET);
    const asked: string[] = [];
    const outcome = await receivePush(headers, body, {
      match: () => [],
      secretOf: (name) => {
        asked.push(name);
        return SECRET;
      },
    });
    expect(asked).toEqual([NO_REPOSITORY]);
    expect(outcome).toMatchObject({ status: 401, reason: UNVERIFIED_WEBHOOK, repositories: [] });
  });

  // a benchmark, not a test: FLOTILLA_WEBHOOK_TIMING=1 prints the median time of each answer
  it.skipIf(!process.env.FLOTILLA_WEBHOOK_TIMING)(
    'prints how long each answer takes',
    async () => {
      const paths = { 'wrong signature': [HOOKED, 'not-the-secret-not-the-secret-0'], 'unknown URL': [UNKNOWN, SECRET], 'no secret': [UNSECURED, SECRET] } as const;
      const times: Record<string, number[]> = {};
      for (let i = 0; i < 3000; i++) {
        // interleaved, so drift in the machine's speed falls on every path alike
        for (const [path, [url, secret]] of Object.entries(paths)) {
          const { headers, body } = push('github', url, secret);
          const start = process.hrtime.bigint();
          await receiver.receive(headers, body, '192.0.2.1').catch(() => undefined);
          (times[path] ??= []).push(Number(process.hrtime.bigint() - start) / 1000);
        }
      }
      const median = (t: number[]) => t.sort((a, b) => a - b)[t.length >> 1].toFixed(1);
      console.log(
        `median µs over ${times['no secret'].length} each: ${Object.entries(times)
          .map(([path, t]) => `${path} ${median(t)}`)
          .join(', ')}`,
      );
    },
    120_000,
  );
});

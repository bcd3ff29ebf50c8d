// Push webhooks from GitHub, GitLab and Gitea/Forgejo: which forge sent a request, whether its
// signature holds (pure functions, constant-time comparisons), and what a push event says.
import { createHmac } from 'node:crypto';
import { secretsEqual } from '../shared/secret-compare';

export type Forge = 'github' | 'gitlab' | 'gitea';

/** Request headers as Node gives them: lower-case names, string or string[] values. */
export type WebhookHeaders = Record<string, string | string[] | undefined>;

export interface PushEvent {
  forge: Forge;
  /** every URL the payload names the repository by: clone (https, ssh, git) and web URLs */
  cloneUrls: string[];
  /** full ref, e.g. `refs/heads/main` */
  ref: string;
  /** branch name when ref is a branch */
  branch?: string;
  /** SHA the ref points to after the push; all zeros when it was deleted */
  after: string;
  deleted: boolean;
}

function header(headers: WebhookHeaders, name: string): string | undefined {
  const value = headers[name.toLowerCase()];
  return Array.isArray(value) ? value[0] : value;
}

/** Which forge sent the request, from its event header; undefined when none matches. */
export function detectForge(headers: WebhookHeaders): Forge | undefined {
  if (header(headers, 'x-github-event')) return 'github';
  if (header(headers, 'x-gitlab-event')) return 'gitlab';
  if (header(headers, 'x-gitea-event') || header(headers, 'x-forgejo-event') || header(headers, 'x-gogs-event')) return 'gitea';
  return undefined;
}

/** Whether the request is a push (not a ping, tag-push-as-other, issue, …). */
export function isPushEvent(forge: Forge, headers: WebhookHeaders): boolean {
  switch (forge) {
    case 'github':
      return header(headers, 'x-github-event') === 'push';
    case 'gitlab':
      return ['Push Hook', 'Tag Push Hook'].includes(header(headers, 'x-gitlab-event') ?? '');
    case 'gitea':
      return (header(headers, 'x-gitea-event') ?? header(headers, 'x-forgejo-event') ?? header(headers, 'x-gogs-event')) === 'push';
  }
}

/** Compares two strings in time independent of where they differ (and of their lengths): src/shared/secret-compare. */
export const constantTimeEqual = (a: string, b: string): boolean => secretsEqual(a, b);

function hmacHex(secret: string, body: Buffer | string): string {
  return createHmac('sha256', secret).update(body).digest('hex');
}

/** GitHub: `X-Hub-Signature-256: sha256=<hex HMAC-SHA256(secret, raw body)>`. */
export function verifyGithubSignature(body: Buffer | string, signatureHeader: string | undefined, secret: string): boolean {
  if (!secret || !signatureHeader?.startsWith('sha256=')) return false;
  return secretsEqual(signatureHeader.slice('sha256='.length).toLowerCase(), hmacHex(secret, body));
}

/** Gitea/Forgejo: `X-Gitea-Signature` (or `X-Forgejo-Signature`): hex HMAC-SHA256 of the raw body. */
export function verifyGiteaSignature(body: Buffer | string, signatureHeader: string | undefined, secret: string): boolean {
  if (!secret || !signatureHeader) return false;
  return secretsEqual(signatureHeader.trim().toLowerCase(), hmacHex(secret, body));
}

/** GitLab: `X-Gitlab-Token` carries the secret itself. */
export function verifyGitlabToken(tokenHeader: string | undefined, secret: string): boolean {
  if (!secret || tokenHeader === undefined) return false;
  return secretsEqual(tokenHeader, secret);
}

/** Checks a request's signature or token for its forge; false when missing or wrong. */
export function verifyWebhook(forge: Forge, headers: WebhookHeaders, body: Buffer | string, secret: string): boolean {
  switch (forge) {
    case 'github':
      return verifyGithubSignature(body, header(headers, 'x-hub-signature-256'), secret);
    case 'gitlab':
      return verifyGitlabToken(header(headers, 'x-gitlab-token'), secret);
    case 'gitea':
      return verifyGiteaSignature(body, header(headers, 'x-gitea-signature') ?? header(headers, 'x-forgejo-signature'), secret);
  }
}

/** Signs a body the way a forge would (for tests and for documenting the receiver). */
export function signGithub(body: Buffer | string, secret: string): string {
  return `sha256=${hmacHex(secret, body)}`;
}

export function signGitea(body: Buffer | string, secret: string): string {
  return hmacHex(secret, body);
}

const URL_FIELDS: Record<Forge, { object: string; fields: string[] }[]> = {
  github: [{ object: 'repository', fields: ['clone_url', 'ssh_url', 'git_url', 'html_url', 'url', 'svn_url'] }],
  gitlab: [
    { object: 'project', fields: ['git_http_url', 'git_ssh_url', 'web_url', 'http_url', 'ssh_url'] },
    { object: 'repository', fields: ['git_http_url', 'git_ssh_url', 'homepage', 'url'] },
  ],
  gitea: [{ object: 'repository', fields: ['clone_url', 'ssh_url', 'html_url'] }],
};

/** Every URL a payload (push, ping, …) names its repository by. */
export function repositoryUrls(forge: Forge, payload: unknown): string[] {
  const urls: string[] = [];
  if (!payload || typeof payload !== 'object') return urls;
  for (const { object, fields } of URL_FIELDS[forge]) {
    const holder = (payload as Record<string, unknown>)[object];
    if (!holder || typeof holder !== 'object') continue;
    for (const field of fields) {
      const value = (holder as Record<string, unknown>)[field];
      if (typeof value === 'string' && value && !urls.includes(value)) urls.push(value);
    }
  }
  return urls;
}

/**
 * Reads a push event's repository URLs, ref and after-SHA from a parsed JSON payload; undefined
 * when the payload does not have the shape of a push.
 */
export function parsePushEvent(forge: Forge, payload: unknown): PushEvent | undefined {
  if (!payload || typeof payload !== 'object') return undefined;
  const body = payload as Record<string, unknown>;
  const ref = body.ref;
  const after = body.after ?? body.checkout_sha;
  if (typeof ref !== 'string' || typeof after !== 'string' || !/^[0-9a-f]{40}$/.test(after)) return undefined;
  const cloneUrls = repositoryUrls(forge, payload);
  if (cloneUrls.length === 0) return undefined;
  const branch = ref.startsWith('refs/heads/') ? ref.slice('refs/heads/'.length) : undefined;
  return { forge, cloneUrls, ref, branch, after, deleted: /^0{40}$/.test(after) };
}

// The decision behind `POST /api/v1/webhooks/git`, as a pure function: which forge, which
// registered repositories the payload names, whether the signature holds for one of them, and
// whether it is a push. The HTTP layer answers `status` at once and then refreshes
// `repositories` (coalesced by RepositoryMirrors), never before the signature is checked.
import { randomBytes } from 'node:crypto';
import { detectForge, Forge, isPushEvent, parsePushEvent, PushEvent, repositoryUrls, verifyWebhook, WebhookHeaders } from './push-webhooks';

/**
 * The one answer to every webhook no registered repository verified. An unknown URL, a repository
 * without a webhook secret and a wrong or missing signature must read the same, or the endpoint
 * tells anyone which repository URLs Flotilla has registered.
 */
export const UNVERIFIED_WEBHOOK = 'webhook not verified: no registered repository accepts this signature for this URL';

export interface PushOutcome {
  /** 202 accepted (refresh `repositories`), 400 not a forge webhook, 401 no repository verified it */
  status: 202 | 400 | 401;
  /** what the sender may be told; every 401 says UNVERIFIED_WEBHOOK. Never the secret or signature. */
  reason: string;
  /** the precise reason of a 401, for the audit log only (admins and viewers read it, senders never) */
  detail?: string;
  forge?: Forge;
  /** verified repositories to refresh; empty for a verified non-push event (e.g. ping) */
  repositories: string[];
  event?: PushEvent;
}

export interface PushReceiverContext {
  /** registered repository names whose URL matches one of these (RepositoryMirrors.match) */
  match(urls: readonly string[]): string[];
  /**
   * The repository's webhook secret, undefined when it has none. Also asked for NO_REPOSITORY
   * when nothing matched (then it is undefined): it should cost the same for every name, found or
   * not, with a secret or without (the same query; a decryption of a decoy when there is no secret).
   */
  secretOf(repository: string): Promise<string | undefined> | string | undefined;
}

/**
 * The name looked up when no registered repository has the payload's URL: no repository has it
 * (a repository name is a DNS label, which never starts with "-"), so the unknown URL costs one
 * lookup, as a known one does.
 */
export const NO_REPOSITORY = '-no-repository-';

/**
 * What a signature is checked against when there is no secret to check it against (an unknown
 * URL, a repository without a secret): random, never stored or sent, and 32 characters, so its
 * HMAC costs what a real secret's does (every key up to 64 bytes costs the same). The result is
 * thrown away: it only makes the request do the same work.
 */
const DECOY_SECRET = randomBytes(24).toString('base64url');

export async function receivePush(headers: WebhookHeaders, body: Buffer, context: PushReceiverContext): Promise<PushOutcome> {
  const forge = detectForge(headers);
  if (!forge) return { status: 400, reason: 'not a GitHub, GitLab or Gitea/Forgejo webhook (no event header)', repositories: [] };
  let payload: unknown;
  try {
    payload = JSON.parse(body.toString('utf8'));
  } catch {
    return { status: 400, forge, reason: 'payload is not JSON', repositories: [] };
  }
  // Unknown repository and bad signature answer alike, so the endpoint does not reveal which
  // URLs are registered; and they take as long: an unknown URL, a repository without a secret
  // and one with a secret each cost one lookup, one signature check and one constant-time compare.
  const candidates = context.match(repositoryUrls(forge, payload));
  const verified: string[] = [];
  for (const name of candidates.length ? candidates : [NO_REPOSITORY]) {
    const secret = await context.secretOf(name);
    const valid = verifyWebhook(forge, headers, body, secret ?? DECOY_SECRET);
    if (secret && valid && name !== NO_REPOSITORY) verified.push(name);
  }
  if (verified.length === 0) {
    const detail = candidates.length === 0 ? 'no registered repository has this URL' : 'signature does not match the repository webhook secret';
    return { status: 401, forge, reason: UNVERIFIED_WEBHOOK, detail, repositories: [] };
  }
  const event = parsePushEvent(forge, payload);
  if (!isPushEvent(forge, headers) || !event) return { status: 202, forge, reason: 'verified, not a push: nothing to do', repositories: [] };
  return { status: 202, forge, reason: `push to ${event.ref}`, repositories: verified, event };
}

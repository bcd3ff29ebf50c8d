// Repository URLs: which ones git may be given, how two spellings of one repository are matched
// (webhooks name a repository by one of its clone URLs), and how URLs are shown in messages.
import { GitUrlError } from './git-errors';

export type GitTransport = 'https' | 'http' | 'ssh' | 'git' | 'file';

export interface GitUrlPolicy {
  /** plain http:// and git:// (unencrypted, unauthenticated transports); tests and labs only */
  allowInsecure?: boolean;
  /** file:// URLs, i.e. repositories on Flotilla's own disk (config `git.allowFileUrls`) */
  allowFile?: boolean;
}

export interface GitUrl {
  /** the URL exactly as it is handed to git */
  url: string;
  transport: GitTransport;
  /** lower-case host name, without brackets; '' for file:// */
  host: string;
  port?: number;
  /** ssh user name (e.g. `git`); never set for http(s), where user-info is refused */
  user?: string;
  path: string;
}

// Characters git or a shell would treat specially; none belongs in a clone URL.
// eslint-disable-next-line no-control-regex
const CONTROL_OR_SPACE = /[\x00-\x20\x7f]/;
const TRANSPORT_HELPER = /^[A-Za-z0-9][A-Za-z0-9+.-]*::/;
const SCHEME = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//;
// [user@]host:path with no "/" before the colon (git's own rule for scp-like syntax)
const SCP_LIKE = /^(?:([^@/:]+)@)?(\[[^\]/]+\]|[^@/:[\]]+):(.*)$/;
const HOST_NAME = /^[A-Za-z0-9]([A-Za-z0-9.-]*[A-Za-z0-9])?$/;
const SCHEMES: Record<string, GitTransport> = { https: 'https', http: 'http', ssh: 'ssh', 'git+ssh': 'ssh', 'ssh+git': 'ssh', git: 'git', file: 'file' };

/**
 * Checks a repository URL against the policy and returns its parts; throws GitUrlError saying why
 * not. simple-git's own checks are a safety net, not input validation (see NOTES.md), so this is
 * the gate: no `<transport>::` helpers (`ext::` runs commands), nothing git could read as an
 * option, no control characters, and no credentials inside the URL (they belong in `auth`).
 */
export function parseGitUrl(input: string, policy: GitUrlPolicy = {}): GitUrl {
  if (typeof input !== 'string' || input.length === 0) throw new GitUrlError('repository URL is empty');
  if (input.length > 2048) throw new GitUrlError('repository URL is longer than 2048 characters');
  if (TRANSPORT_HELPER.test(input)) throw new GitUrlError('git transport helpers ("<transport>::<address>", e.g. ext::) are not allowed');
  if (CONTROL_OR_SPACE.test(input)) throw new GitUrlError('repository URL contains spaces or control characters');
  if (input.startsWith('-')) throw new GitUrlError('repository URL must not start with "-"');
  const scheme = SCHEME.exec(input)?.[1]?.toLowerCase();
  if (scheme !== undefined) return parseSchemeUrl(input, scheme, policy);
  const scp = SCP_LIKE.exec(input);
  if (scp && !input.startsWith('/') && !input.startsWith('.')) return parseScpLike(input, scp);
  throw new GitUrlError('repository URL must be https://…, ssh://…, user@host:path' + (policy.allowFile ? ' or file://…' : ''));
}

function parseSchemeUrl(input: string, scheme: string, policy: GitUrlPolicy): GitUrl {
  const transport = SCHEMES[scheme];
  if (!transport) throw new GitUrlError(`URL scheme "${scheme}" is not supported (use https, ssh${policy.allowInsecure ? ', http, git' : ''}${policy.allowFile ? ', file' : ''})`);
  if ((transport === 'http' || transport === 'git') && !policy.allowInsecure) {
    throw new GitUrlError(`${scheme}:// is unencrypted and not allowed; use https:// or ssh://`);
  }
  if (transport === 'file' && !policy.allowFile) throw new GitUrlError('file:// URLs are not allowed (config git.allowFileUrls)');
  let parsed: URL;
  try {
    parsed = new URL(input);
  } catch {
    throw new GitUrlError('repository URL is not a valid URL');
  }
  // WHATWG URL parsing folds `a/../b`; git would not, and `..` never belongs in a clone URL
  if (input.split(/[/?#]/).some((segment) => segment === '..' || /^%2e%2e$/i.test(segment))) {
    throw new GitUrlError('repository URL must not contain ".." segments');
  }
  if (parsed.search || parsed.hash) throw new GitUrlError('repository URL must not have a query or fragment');
  const path = decodeURIComponent(parsed.pathname);
  if (transport === 'file') {
    if (parsed.host) throw new GitUrlError('file:// URLs must not name a host');
    if (!path.startsWith('/')) throw new GitUrlError('file:// URL must be an absolute path');
    return { url: input, transport, host: '', path };
  }
  const host = parsed.hostname.replace(/^\[|\]$/g, '').toLowerCase();
  if (!host) throw new GitUrlError('repository URL has no host');
  if (!HOST_NAME.test(host) && !/^[0-9a-f:.]+$/.test(host)) throw new GitUrlError('repository URL has an invalid host');
  if (parsed.password) throw new GitUrlError('repository URL must not contain a password; put credentials in auth');
  if (parsed.username && transport !== 'ssh') {
    throw new GitUrlError('repository URL must not contain user-info; put credentials in auth');
  }
  if (parsed.username && !/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(decodeURIComponent(parsed.username))) {
    throw new GitUrlError('ssh user name in the repository URL is invalid');
  }
  if (path === '/' || path === '') throw new GitUrlError('repository URL has no repository path');
  const port = parsed.port ? Number(parsed.port) : undefined;
  const user = parsed.username ? decodeURIComponent(parsed.username) : undefined;
  return { url: input, transport, host, port, user, path };
}

function parseScpLike(input: string, [, user, rawHost, path]: RegExpExecArray): GitUrl {
  const host = rawHost.replace(/^\[|\]$/g, '').toLowerCase();
  if (!HOST_NAME.test(host) && !/^[0-9a-f:.]+$/.test(host)) throw new GitUrlError('repository URL has an invalid host');
  if (user !== undefined && !/^[A-Za-z0-9._][A-Za-z0-9._-]*$/.test(user)) throw new GitUrlError('ssh user name in the repository URL is invalid');
  if (!path || path.startsWith('-')) throw new GitUrlError('repository URL has no repository path, or one starting with "-"');
  return { url: input, transport: 'ssh', host, user, path };
}

/**
 * A key under which every spelling of one repository is equal, for matching a webhook's clone
 * URLs against registered repositories: scheme, user, port, host case, `.git` suffix, trailing
 * and doubled slashes and path case all fold away, so `git@github.com:Org/App.git`,
 * `ssh://git@github.com/org/app` and `https://github.com/org/app/` share `github.com/org/app`.
 * Folding path case and port can only make unrelated repositories collide on one host, which
 * costs an extra fetch at most: the webhook's signature is still checked with the matched
 * repository's own secret. Returns undefined for anything that is not a repository URL.
 */
export function repositoryKey(url: string): string | undefined {
  let parts: GitUrl;
  try {
    parts = parseGitUrl(url.trim(), { allowInsecure: true, allowFile: true });
  } catch {
    return undefined;
  }
  const path = parts.path
    .split('/')
    .filter((s) => s !== '' && s !== '.')
    .join('/')
    .replace(/\.git$/i, '')
    .toLowerCase();
  if (parts.transport === 'file') return `file:/${path}`;
  return `${parts.host}/${path.replace(/^~[^/]*\//, '')}`;
}

/** Replaces the user-info of every URL in a text (`https://user:pw@host` → `https://***@host`). */
export function redactUrlUserInfo(text: string): string {
  return text.replace(/\b([A-Za-z][A-Za-z0-9+.-]*:\/\/)[^/\s@'"]*@/g, '$1***@');
}

/** Redacts URL user-info and every given secret (also URL-encoded) out of a message. */
export function redactText(text: string, secrets: readonly (string | undefined)[] = []): string {
  let out = redactUrlUserInfo(text);
  for (const secret of secrets) {
    if (!secret || secret.length < 3) continue;
    for (const form of new Set([secret, encodeURIComponent(secret)])) out = out.split(form).join('***');
  }
  return out;
}

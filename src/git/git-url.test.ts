import { describe, expect, it } from 'vitest';
import { GitUrlError } from './git-errors';
import { parseGitUrl, redactText, redactUrlUserInfo, repositoryKey } from './git-url';

describe('parseGitUrl', () => {
  it.each([
    ['https://github.com/org/app.git', 'https', 'github.com'],
    ['https://GitHub.com:8443/org/app', 'https', 'github.com'],
    ['ssh://git@github.com/org/app.git', 'ssh', 'github.com'],
    ['ssh://git@127.0.0.1:2222/srv/repo.git', 'ssh', '127.0.0.1'],
    ['git+ssh://git@host.example/app', 'ssh', 'host.example'],
    ['git@github.com:org/app.git', 'ssh', 'github.com'],
    ['github.com:org/app.git', 'ssh', 'github.com'],
    ['git@[::1]:org/app.git', 'ssh', '::1'],
  ])('accepts %s as %s', (url, transport, host) => {
    const parsed = parseGitUrl(url);
    expect(parsed.transport).toBe(transport);
    expect(parsed.host).toBe(host);
    expect(parsed.url).toBe(url);
  });

  it.each([
    ['ext::sh -c touch% /tmp/pwned', 'transport helpers'],
    ['ext::ssh%20-oProxyCommand=x', 'transport helpers'],
    ['fd::17', 'transport helpers'],
    ['https::github.com/org/app', 'transport helpers'],
    ['--upload-pack=touch /tmp/pwned', 'spaces or control'],
    ['--upload-pack=touch', 'must not start with "-"'],
    ['-oProxyCommand=evil:x', 'must not start with "-"'],
    ['https://github.com/org/app\n', 'control characters'],
    ['https://github.com/org/\u0000app', 'control characters'],
    ['https://user:pw@github.com/org/app', 'password'],
    ['https://ghp_token@github.com/org/app', 'user-info'],
    ['http://github.com/org/app', 'unencrypted'],
    ['git://github.com/org/app', 'unencrypted'],
    ['file:///srv/repo.git', 'file:// URLs are not allowed'],
    ['/srv/repo.git', 'must be https'],
    ['./repo', 'must be https'],
    ['ftp://host/repo', 'not supported'],
    ['https://github.com/', 'no repository path'],
    ['https://github.com/org/app?x=1', 'query or fragment'],
    ['git@-oProxyCommand=x:org/app', 'invalid host'],
    ['git@host:-upload', 'starting with "-"'],
    ['', 'empty'],
  ])('refuses %j (%s)', (url, why) => {
    expect(() => parseGitUrl(url)).toThrow(GitUrlError);
    expect(() => parseGitUrl(url)).toThrow(why);
  });

  it('allows http, git and file only when the policy says so', () => {
    expect(parseGitUrl('http://127.0.0.1:8080/app.git', { allowInsecure: true }).transport).toBe('http');
    expect(parseGitUrl('git://127.0.0.1/app.git', { allowInsecure: true }).transport).toBe('git');
    expect(parseGitUrl('file:///srv/repo.git', { allowFile: true }).path).toBe('/srv/repo.git');
    expect(() => parseGitUrl('file:///srv/../etc', { allowFile: true })).toThrow('".." segments');
    expect(() => parseGitUrl('file://host/srv/repo.git', { allowFile: true })).toThrow('must not name a host');
  });
});

describe('repositoryKey', () => {
  it('matches ssh, scp-like and https spellings of one repository', () => {
    const forms = [
      'https://github.com/Org/App.git',
      'https://GITHUB.com/org/app',
      'https://github.com/org/app/',
      'https://github.com:443/org//app.git/',
      'http://github.com/org/app',
      'ssh://git@github.com/org/app.git',
      'ssh://git@github.com:22/org/app',
      'git@github.com:org/app.git',
      'git://github.com/org/app.git',
    ];
    for (const form of forms) expect(repositoryKey(form), form).toBe('github.com/org/app');
  });

  it('keeps different repositories and hosts apart', () => {
    expect(repositoryKey('https://github.com/org/app')).not.toBe(repositoryKey('https://github.com/org/app2'));
    expect(repositoryKey('https://github.com/org/app')).not.toBe(repositoryKey('https://gitlab.com/org/app'));
    expect(repositoryKey('https://github.com/org/app')).not.toBe(repositoryKey('https://github.com/other/app'));
  });

  it('returns undefined for what is not a repository URL', () => {
    expect(repositoryKey('ext::sh -c x')).toBeUndefined();
    expect(repositoryKey('not a url')).toBeUndefined();
  });
});

describe('redaction', () => {
  it('removes user-info from every URL in a message', () => {
    const text = "fatal: could not read from 'https://alice:hunter22@git.example/app.git' or http://tok@h/x";
    const out = redactUrlUserInfo(text);
    expect(out).not.toContain('alice');
    expect(out).not.toContain('hunter22');
    expect(out).not.toContain('tok@');
    expect(out).toContain('https://***@git.example/app.git');
  });

  it('removes given secrets, also URL-encoded', () => {
    const out = redactText('password p@ss/w0rd! or p%40ss%2Fw0rd! leaked', ['p@ss/w0rd!']);
    expect(out).toBe('password *** or *** leaked');
  });
});

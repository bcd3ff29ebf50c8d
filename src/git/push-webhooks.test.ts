import { describe, expect, it } from 'vitest';
import { constantTimeEqual, detectForge, isPushEvent, parsePushEvent, signGitea, signGithub, verifyWebhook } from './push-webhooks';

const SHA = 'a'.repeat(40);
const githubPush = {
  ref: 'refs/heads/main',
  after: SHA,
  repository: { clone_url: 'https://github.com/org/app.git', ssh_url: 'git@github.com:org/app.git', html_url: 'https://github.com/org/app' },
};
const gitlabPush = {
  object_kind: 'push',
  ref: 'refs/heads/main',
  after: SHA,
  project: { git_http_url: 'https://gitlab.example/group/app.git', git_ssh_url: 'git@gitlab.example:group/app.git', web_url: 'https://gitlab.example/group/app' },
};
const giteaPush = { ref: 'refs/tags/v1', after: SHA, repository: { clone_url: 'https://gitea.example/org/app.git', ssh_url: 'ssh://git@gitea.example:2222/org/app.git' } };

describe('webhook signatures', () => {
  const body = Buffer.from(JSON.stringify(githubPush));

  it('accepts a GitHub X-Hub-Signature-256 made with the secret and refuses a wrong one', () => {
    const headers = { 'x-github-event': 'push', 'x-hub-signature-256': signGithub(body, 'topsecret') };
    expect(verifyWebhook('github', headers, body, 'topsecret')).toBe(true);
    expect(verifyWebhook('github', headers, body, 'other-secret')).toBe(false);
    expect(verifyWebhook('github', headers, Buffer.from(body.toString() + ' '), 'topsecret')).toBe(false);
    expect(verifyWebhook('github', { ...headers, 'x-hub-signature-256': signGithub(body, 'topsecret').slice(0, -2) }, body, 'topsecret')).toBe(false);
    expect(verifyWebhook('github', { ...headers, 'x-hub-signature-256': signGithub(body, 'topsecret').replace('sha256=', 'sha1=') }, body, 'topsecret')).toBe(false);
    expect(verifyWebhook('github', { 'x-github-event': 'push' }, body, 'topsecret')).toBe(false);
  });

  it('accepts a Gitea/Forgejo signature and refuses a wrong or missing one', () => {
    expect(verifyWebhook('gitea', { 'x-gitea-signature': signGitea(body, 's') }, body, 's')).toBe(true);
    expect(verifyWebhook('gitea', { 'x-forgejo-signature': signGitea(body, 's') }, body, 's')).toBe(true);
    expect(verifyWebhook('gitea', { 'x-gitea-signature': signGitea(body, 'x') }, body, 's')).toBe(false);
    expect(verifyWebhook('gitea', {}, body, 's')).toBe(false);
  });

  it('accepts the GitLab token only when equal', () => {
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': 'tok-123' }, body, 'tok-123')).toBe(true);
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': 'tok-12' }, body, 'tok-123')).toBe(false);
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': 'tok-1234' }, body, 'tok-123')).toBe(false);
    expect(verifyWebhook('gitlab', {}, body, 'tok-123')).toBe(false);
  });

  it('never verifies against an empty secret', () => {
    expect(verifyWebhook('github', { 'x-hub-signature-256': signGithub(body, '') }, body, '')).toBe(false);
    expect(verifyWebhook('gitlab', { 'x-gitlab-token': '' }, body, '')).toBe(false);
  });

  it('compares strings of different lengths without throwing', () => {
    expect(constantTimeEqual('abc', 'abcd')).toBe(false);
    expect(constantTimeEqual('abc', 'abc')).toBe(true);
  });
});

describe('push payloads', () => {
  it('detects the forge and whether the event is a push', () => {
    expect(detectForge({ 'x-github-event': 'push' })).toBe('github');
    expect(detectForge({ 'x-gitlab-event': 'Push Hook' })).toBe('gitlab');
    expect(detectForge({ 'x-forgejo-event': 'push' })).toBe('gitea');
    expect(detectForge({})).toBeUndefined();
    expect(isPushEvent('github', { 'x-github-event': 'ping' })).toBe(false);
    expect(isPushEvent('gitlab', { 'x-gitlab-event': 'Tag Push Hook' })).toBe(true);
  });

  it('extracts clone URLs, ref, branch and after-SHA', () => {
    expect(parsePushEvent('github', githubPush)).toEqual({
      forge: 'github',
      cloneUrls: ['https://github.com/org/app.git', 'git@github.com:org/app.git', 'https://github.com/org/app'],
      ref: 'refs/heads/main',
      branch: 'main',
      after: SHA,
      deleted: false,
    });
    expect(parsePushEvent('gitlab', gitlabPush)?.cloneUrls).toContain('git@gitlab.example:group/app.git');
    const tag = parsePushEvent('gitea', giteaPush)!;
    expect(tag.branch).toBeUndefined();
    expect(tag.cloneUrls).toContain('ssh://git@gitea.example:2222/org/app.git');
    expect(parsePushEvent('github', { ...githubPush, after: '0'.repeat(40) })?.deleted).toBe(true);
  });

  it('rejects payloads that are not pushes', () => {
    expect(parsePushEvent('github', { zen: 'hi' })).toBeUndefined();
    expect(parsePushEvent('github', { ...githubPush, after: 'not-a-sha' })).toBeUndefined();
    expect(parsePushEvent('github', { ref: 'refs/heads/main', after: SHA })).toBeUndefined();
    expect(parsePushEvent('github', null)).toBeUndefined();
  });
});

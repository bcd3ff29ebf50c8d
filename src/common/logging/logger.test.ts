import { describe, expect, it } from 'vitest';
import type { DestinationStream } from 'pino';
import { SECRET_FIELDS_AS_SPELT } from '../../../test/support/secret-field-names';
import { REDACTED } from '../../shared/secret-fields';
import { createRootLogger, JsonLogger } from './logger';

/** A logger writing into memory: every line, raw, as it would reach stdout. */
function memoryLogger() {
  const lines: string[] = [];
  const sink: DestinationStream = { write: (line: string) => void lines.push(line) };
  return { log: createRootLogger('debug', sink), lines, text: () => lines.join('') };
}

describe('the logger', () => {
  it('never writes a password, a nested auth token or an authorization header, and keeps the fields beside them', () => {
    const { log, lines, text } = memoryLogger();
    const secrets = { password: 'canary-password-4711', token: 'canary-auth-token-4712', header: 'Bearer canary-header-4713' };
    log.info(
      {
        user: 'visible-user',
        password: secrets.password,
        auth: { type: 'bearerToken', token: secrets.token },
        req: { method: 'POST', url: '/visible/path', headers: { authorization: secrets.header, 'x-request-id': 'visible-request-id' } },
      },
      'visible message',
    );

    expect(lines).toHaveLength(1);
    for (const value of Object.values(secrets)) expect(text()).not.toContain(value);
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'info',
      msg: 'visible message',
      user: 'visible-user',
      password: REDACTED,
      auth: { type: 'bearerToken', token: REDACTED },
      req: { method: 'POST', url: '/visible/path', headers: { authorization: REDACTED, 'x-request-id': 'visible-request-id' } },
    });
  });

  it('redacts what Nest code logs through JsonLogger the same way', () => {
    const { log, lines, text } = memoryLogger();
    new JsonLogger(log).warn({ repository: 'visible-repository', auth: { type: 'basic', password: 'canary-nest-password-4714' } }, 'fetch failed', 'RepositoryFetches');
    expect(text()).not.toContain('canary-nest-password-4714');
    expect(JSON.parse(lines[0])).toMatchObject({
      level: 'warn',
      context: 'RepositoryFetches',
      msg: 'fetch failed',
      repository: 'visible-repository',
      auth: { type: 'basic', password: REDACTED },
    });
  });

  it.each(SECRET_FIELDS_AS_SPELT)('redacts %s at the top and up to two levels down', (field) => {
    const { log, lines, text } = memoryLogger();
    const canary = `canary-log-${field}-0123456789`;
    log.info({
      [field]: canary,
      body: { [field]: canary, name: 'visible-1' },
      cluster: { auth: { [field]: canary, type: 'visible-2' } },
    });
    expect(text()).not.toContain(canary);
    expect(JSON.parse(lines[0])).toMatchObject({
      [field]: REDACTED,
      body: { [field]: REDACTED, name: 'visible-1' },
      cluster: { auth: { [field]: REDACTED, type: 'visible-2' } },
    });
  });

  it("replaces the user-info of every URL in a line: message, fields at any depth, an error's message and stack", () => {
    const { log, lines, text } = memoryLogger();
    const pw = 'canary-url-password-4715';
    const err = new Error(`fetch of https://user:${pw}@git.example.test/org/app.git failed`, { cause: new Error(`connect to https://${pw}@10.0.0.1:6443 refused`) });
    log.warn({ path: `/api/v1/x/https:/u:${pw}@h`, deep: { a: { b: { url: `ssh://git:${pw}@git.example.test/x` } } }, err }, `refused https://u:${pw}@hooks.example.test/in`);
    new JsonLogger(log).error(`mirror of http://u:${pw}@h/x failed`, 'RepositoryFetches');
    expect(text()).not.toContain(pw);
    const [first, second] = lines.map((l) => JSON.parse(l));
    expect(first).toMatchObject({
      msg: 'refused https://***@hooks.example.test/in',
      path: '/api/v1/x/https:/***@h',
      deep: { a: { b: { url: 'ssh://***@git.example.test/x' } } },
    });
    expect(first.err.message).toContain('fetch of https://***@git.example.test/org/app.git failed');
    expect(first.err.message).toContain('connect to https://***@10.0.0.1:6443 refused');
    expect(second).toMatchObject({ msg: 'mirror of http://***@h/x failed', context: 'RepositoryFetches' });
  });
});

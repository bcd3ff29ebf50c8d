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
    log.info({
      user: 'visible-user',
      password: secrets.password,
      auth: { type: 'bearerToken', token: secrets.token },
      req: { method: 'POST', url: '/visible/path', headers: { authorization: secrets.header, 'x-request-id': 'visible-request-id' } },
    }, 'visible message');

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
      level: 'warn', context: 'RepositoryFetches', msg: 'fetch failed', repository: 'visible-repository', auth: { type: 'basic', password: REDACTED },
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
});

// Which server and token a command uses, and how option values are read: plain functions.
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { parseDestination } from '../../src/cli/app-definition';
import { parseSelector, seconds } from '../../src/cli/commands/parse';
import { configPath, resolveTarget, upsertContext, writeConfig } from '../../src/cli/config';

describe('choosing the server and token', () => {
  const dirs: string[] = [];
  afterEach(() => dirs.splice(0).forEach((d) => rmSync(d, { recursive: true, force: true })));

  function home(): { env: NodeJS.ProcessEnv; file: string } {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-config-'));
    dirs.push(dir);
    const env = { HOME: dir };
    const file = configPath(env);
    let config = upsertContext({ contexts: [] }, { name: 'prod', server: 'https://prod.example.com', token: 'prod-token' });
    config = upsertContext(config, { name: 'dev', server: 'http://127.0.0.1:8080/', token: 'dev-token' });
    writeConfig(config, file);
    return { env, file };
  }

  it('uses the current context, with FLOTILLA_SERVER and FLOTILLA_TOKEN overriding it', () => {
    const { env } = home();
    expect(resolveTarget({}, env)).toMatchObject({ server: 'http://127.0.0.1:8080', token: 'dev-token', context: 'dev', tokenSource: 'context' });
    expect(resolveTarget({}, { ...env, FLOTILLA_TOKEN: 'env-token' })).toMatchObject({ server: 'http://127.0.0.1:8080', token: 'env-token', tokenSource: 'FLOTILLA_TOKEN' });
    expect(resolveTarget({}, { ...env, FLOTILLA_SERVER: 'https://other.example.com', FLOTILLA_TOKEN: 'env-token' })).toMatchObject({
      server: 'https://other.example.com',
      token: 'env-token',
    });
  });

  it("never sends a context's token to another server", () => {
    const { env } = home();
    expect(resolveTarget({}, { ...env, FLOTILLA_SERVER: 'https://attacker.example.com' })).toMatchObject({
      server: 'https://attacker.example.com',
      token: undefined,
      tokenSource: 'none',
    });
    expect(resolveTarget({ server: 'https://attacker.example.com' }, env).token).toBeUndefined();
    expect(resolveTarget({ server: 'http://127.0.0.1:8080' }, env).token).toBe('dev-token');
  });

  it('takes a context named with --context as it is, and refuses an unknown one', () => {
    const { env } = home();
    expect(resolveTarget({ context: 'prod' }, { ...env, FLOTILLA_SERVER: 'http://x', FLOTILLA_TOKEN: 'env-token' })).toMatchObject({
      server: 'https://prod.example.com',
      token: 'prod-token',
    });
    expect(() => resolveTarget({ context: 'staging' }, env)).toThrow(/no context "staging"/);
  });

  it('asks to log in when nothing names a server', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cli-config-'));
    dirs.push(dir);
    expect(() => resolveTarget({}, { HOME: dir })).toThrow(/no Flotilla server chosen/);
  });
});

describe('reading option values', () => {
  it('reads selectors as kubectl writes them', () => {
    expect(parseSelector('env=prod,tier!=edge,region in (eu,us),!legacy,gpu')).toEqual({
      matchLabels: { env: 'prod' },
      matchExpressions: [
        { key: 'tier', operator: 'NotIn', values: ['edge'] },
        { key: 'region', operator: 'In', values: ['eu', 'us'] },
        { key: 'legacy', operator: 'DoesNotExist' },
        { key: 'gpu', operator: 'Exists' },
      ],
    });
    expect(() => parseSelector('env=(')).toThrow(/cannot read/);
  });

  it('reads destinations by name and by selector, the namespace after the last colon', () => {
    expect(parseDestination('east:web', false)).toEqual({ cluster: 'east', namespace: 'web' });
    expect(parseDestination('env=staging:web-{{cluster.name}}', true)).toEqual({ clusterSelector: { matchLabels: { env: 'staging' } }, namespace: 'web-{{cluster.name}}' });
    expect(() => parseDestination('east', false)).toThrow(/CLUSTER:NAMESPACE/);
  });

  it('reads durations', () => {
    expect(seconds('90', '--timeout')).toBe(90);
    expect(seconds('5m', '--timeout')).toBe(300);
    expect(seconds('1h30m', '--timeout')).toBe(5400);
    expect(() => seconds('soon', '--timeout')).toThrow(/not a duration/);
  });
});

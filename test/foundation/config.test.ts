import { describe, expect, it } from 'vitest';
import { spawnSync } from 'node:child_process';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { ConfigError, loadConfig } from '../../src/config/app-config';

const root = resolve(__dirname, '../..');

function problemsOf(env: Record<string, string>): string[] {
  try {
    loadConfig({ env: { FLOTILLA_DATA_DIR: '/tmp/x', ...env } });
  } catch (e) {
    if (e instanceof ConfigError) return e.problems;
    throw e;
  }
  return [];
}

describe('configuration', () => {
  it('serves a single machine by default: port 8080, SQLite in ./data', () => {
    const cfg = loadConfig({ env: {}, cwd: '/srv/flotilla' });
    expect(cfg.server.port).toBe(8080);
    expect(cfg.dataDir).toBe('/srv/flotilla/data');
    expect(cfg.database.file).toBe('/srv/flotilla/data/flotilla.sqlite');
    expect(cfg.slack.apiUrl).toBe('https://slack.com/api/');
  });

  it('layers default.yaml < NODE_ENV file < FLOTILLA_CONFIG file < FLOTILLA_* variables', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cfg-'));
    const file = join(dir, 'site.yaml');
    writeFileSync(file, 'clusters:\n  checkIntervalSeconds: 30\n  checkConcurrency: 3\nlog:\n  level: error\n');
    const cfg = loadConfig({
      env: { NODE_ENV: 'test', FLOTILLA_CONFIG: file, FLOTILLA_CLUSTERS__CHECK_CONCURRENCY: '5', FLOTILLA_SLACK_API_URL: 'http://127.0.0.1:9/api' },
    });
    expect(cfg.clusters.checkIntervalSeconds).toBe(30); // file
    expect(cfg.clusters.checkConcurrency).toBe(5); // variable beats file
    expect(cfg.log.level).toBe('error'); // file beats test.yaml's warn
    expect(cfg.slack.apiUrl).toBe('http://127.0.0.1:9/api/');
  });

  it('names the key, what was expected and where the value came from', () => {
    expect(problemsOf({ FLOTILLA_PORT: 'eighty' })).toEqual(['server.port: expected an integer from 0 to 65535, got "eighty" (from environment variable FLOTILLA_PORT)']);
    expect(problemsOf({ FLOTILLA_LOG_LEVEL: 'loud' })[0]).toMatch(/^log\.level: expected one of trace, debug, info/);
    expect(problemsOf({ FLOTILLA_GIT__NO_SUCH_KEY: '1' })).toEqual(['FLOTILLA_GIT__NO_SUCH_KEY: no configuration key git.noSuchKey']);
  });

  it('rejects unknown keys and wrong types in a config file', () => {
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cfg-'));
    const file = join(dir, 'bad.yaml');
    writeFileSync(file, 'server:\n  prot: 1\nclusters:\n  allowInsecureHttp: maybe\n');
    const problems = problemsOf({ FLOTILLA_CONFIG: file });
    expect(problems).toContain(`server.prot: unknown key (in ${file})`);
    expect(problems).toContain(`clusters.allowInsecureHttp: expected true or false, got "maybe" (from ${file})`);
  });

  it('never echoes a bad secret value in the error', () => {
    const [problem] = problemsOf({ FLOTILLA_SECRET_KEY: 'hunter2-not-base64' });
    expect(problem).toMatch(/^security\.secretKey: expected 32 bytes in base64/);
    expect(problem).not.toContain('hunter2');
  });

  it('reads server.trustedProxies as addresses or CIDRs, from a YAML list or one comma-separated variable', () => {
    expect(loadConfig({ env: {} }).server.trustedProxies).toEqual([]);
    expect(loadConfig({ env: { FLOTILLA_SERVER__TRUSTED_PROXIES: '10.0.0.0/8, 127.0.0.1,fd00::/8' } }).server.trustedProxies).toEqual(['10.0.0.0/8', '127.0.0.1', 'fd00::/8']);
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cfg-'));
    const file = join(dir, 'proxies.yaml');
    writeFileSync(file, 'server:\n  trustedProxies:\n    - 192.168.0.0/16\n    - "::1"\n');
    expect(loadConfig({ env: { FLOTILLA_CONFIG: file } }).server.trustedProxies).toEqual(['192.168.0.0/16', '::1']);
  });

  it('names server.trustedProxies and the entry that is neither an address nor a CIDR', () => {
    expect(problemsOf({ FLOTILLA_SERVER__TRUSTED_PROXIES: '127.0.0.1,10.0.0.0/33' })).toEqual([
      'server.trustedProxies: expected IP addresses or CIDRs (like 10.0.0.0/8 or 127.0.0.1), and "10.0.0.0/33" is neither, got "127.0.0.1,10.0.0.0/33" (from environment variable FLOTILLA_SERVER__TRUSTED_PROXIES)',
    ]);
    for (const bad of ['ingress.internal', 'loopback', '10.0.0.1/8/8', '10.0.0.256', '::1/129']) {
      expect(problemsOf({ FLOTILLA_SERVER__TRUSTED_PROXIES: bad }), bad).toHaveLength(1);
    }
    const dir = mkdtempSync(join(tmpdir(), 'flotilla-cfg-'));
    const file = join(dir, 'proxies.yaml');
    writeFileSync(file, 'server:\n  trustedProxies:\n    ingress: 10.0.0.1\n');
    expect(problemsOf({ FLOTILLA_CONFIG: file })).toEqual([`server.trustedProxies: expected a list of IP addresses or CIDRs, got {"ingress":"10.0.0.1"} (from ${file})`]);
  });

  it('takes audit checkpoints to <dataDir>/audit-checkpoints by default, to any file path, or none; re-keys an unkeyed chain only when told', () => {
    const cfg = loadConfig({ env: {}, cwd: '/srv/flotilla' });
    expect(cfg.audit).toEqual({ checkpointFile: '/srv/flotilla/data/audit-checkpoints', checkpointIntervalSeconds: 60, logCheckpoints: false, rekeyUnkeyedChain: false });
    expect(loadConfig({ env: { FLOTILLA_DATA_DIR: '/var/lib/flotilla' } }).audit.checkpointFile).toBe('/var/lib/flotilla/audit-checkpoints');
    expect(loadConfig({ env: { FLOTILLA_AUDIT__CHECKPOINT_FILE: '/var/lib/anchors/flotilla.json' } }).audit.checkpointFile).toBe('/var/lib/anchors/flotilla.json');
    expect(loadConfig({ env: { FLOTILLA_DATA_DIR: '/tmp/x', FLOTILLA_AUDIT__CHECKPOINT_FILE: 'anchors/flotilla.json' } }).audit.checkpointFile).toBe(
      '/tmp/x/anchors/flotilla.json',
    );
    expect(loadConfig({ env: { FLOTILLA_AUDIT__CHECKPOINT_FILE: '' } }).audit.checkpointFile).toBeNull();
    expect(loadConfig({ env: { FLOTILLA_AUDIT__REKEY_UNKEYED_CHAIN: 'true', FLOTILLA_AUDIT__LOG_CHECKPOINTS: 'true' } }).audit).toMatchObject({
      rekeyUnkeyedChain: true,
      logCheckpoints: true,
    });
    expect(
      problemsOf({ FLOTILLA_AUDIT__CHECKPOINT_FILE: '/var/lib/anchors/', FLOTILLA_AUDIT__CHECKPOINT_INTERVAL_SECONDS: '0', FLOTILLA_AUDIT__REKEY_UNKEYED_CHAIN: 'yes' }),
    ).toEqual([
      'audit.checkpointFile: expected a file path (absolute, or relative to dataDir), got "/var/lib/anchors/" (from environment variable FLOTILLA_AUDIT__CHECKPOINT_FILE)',
      'audit.checkpointIntervalSeconds: expected an integer from 1 to 86400, got "0" (from environment variable FLOTILLA_AUDIT__CHECKPOINT_INTERVAL_SECONDS)',
      'audit.rekeyUnkeyedChain: expected true or false, got "yes" (from environment variable FLOTILLA_AUDIT__REKEY_UNKEYED_CHAIN)',
    ]);
  });

  it('stops start-up of the real entry point with exit code 78 and a message naming the key', () => {
    const res = spawnSync(process.execPath, [join(root, 'node_modules/tsx/dist/cli.mjs'), '--tsconfig', join(root, 'tsconfig.json'), join(root, 'src/main.ts')], {
      cwd: mkdtempSync(join(tmpdir(), 'flotilla-start-')),
      env: { PATH: process.env.PATH, FLOTILLA_PORT: '99999' },
      encoding: 'utf8',
      timeout: 30_000,
    });
    expect(res.status).toBe(78);
    expect(res.stderr).toContain('server.port: expected an integer from 0 to 65535, got "99999" (from environment variable FLOTILLA_PORT)');
  });
});

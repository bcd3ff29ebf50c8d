// The secrecy sweep for kubeconfigs that cannot be used. A YAML parser's error quotes the lines
// around the problem, and a kubeconfig's lines are tokens and keys; such an error, answered to
// the client, lands in the audit entry (viewers read it), the database file and the logs. Each
// credential of a kubeconfig (token, client certificate, client key, password, a marker of our
// own in an unknown field and a comment) is sent inside malformed input of many kinds, on create
// and on update, and looked for in every answer, log line, process warning, audit entry and the
// database file and its WAL. Each place is first shown to hold what was said beside the secrets.
import { afterAll, beforeAll, describe, expect, inject, it } from 'vitest';
import { randomBytes } from 'node:crypto';
import { readFileSync, rmSync } from 'node:fs';
import { join } from 'node:path';
import { ApiClient, ApiResponse, apiClient } from '../support/api';
import { RunningApp, startApp } from '../support/app';
import { issueClientCertificate } from '../testbed/cluster';

const [east] = inject('clusters');
const ADMIN = 'kubeconfig-secrecy-admin-token-0123456789';

const canary = (what: string) => `flotilla-canary-${what}-${randomBytes(12).toString('hex')}`;

/** The user lines of a kubeconfig, each with a secret value; malformations are applied to one of them. */
interface SecretLine {
  what: string;
  key: string;
  value: string;
}

function kubeconfig(userLines: string[], serverLine = `    server: ${east.server}`): string {
  return [
    'apiVersion: v1',
    'kind: Config',
    'clusters:',
    '- name: east',
    '  cluster:',
    serverLine,
    `    certificate-authority-data: ${east.caData}`,
    'users:',
    '- name: admin',
    '  user:',
    ...userLines,
    'contexts:',
    '- name: east',
    '  context:',
    '    cluster: east',
    '    user: admin',
    'current-context: east',
    '',
  ].join('\n');
}

/** Ways to break one `    key: value` line; each yields the user block with that line broken. */
const MALFORMATIONS: Record<string, (lines: string[], i: number, s: SecretLine) => string[]> = {
  'bad indentation': (l, i, s) => l.map((x, j) => (j === i ? `   ${s.key}: ${s.value}` : x)),
  'a tab as indentation': (l, i, s) => l.map((x, j) => (j === i ? `\t${s.key}: ${s.value}` : x)),
  'a duplicate key': (l, i) => [...l.slice(0, i + 1), l[i], ...l.slice(i + 1)],
  'an unclosed quote': (l, i, s) => [...l.slice(0, i), `    ${s.key}: "${s.value}`, ...l.slice(i + 1)],
  'an unclosed flow sequence': (l, i, s) => l.map((x, j) => (j === i ? `    ${s.key}: [${s.value}, other` : x)),
  'an alias to no anchor': (l, i, s) => l.map((x, j) => (j === i ? `    ${s.key}: *${s.value}` : x)),
  'an unknown tag': (l, i, s) => l.map((x, j) => (j === i ? `    ${s.key}: !${s.value} x` : x)),
  'a second document': (l, i) => [...l, '---', l[i]],
  'a bad escape in double quotes': (l, i, s) => l.map((x, j) => (j === i ? `    ${s.key}: "\\q${s.value}"` : x)),
  'a list where a string belongs': (l, i, s) => l.map((x, j) => (j === i ? `    ${s.key}: [${s.value}]` : x)),
  'a mapping where a string belongs': (l, i, s) => l.map((x, j) => (j === i ? `    ${s.key}: {value: ${s.value}}` : x)),
};

describe('kubeconfigs that cannot be used', () => {
  let running: RunningApp;
  let admin: ApiClient;
  const warnings: string[] = [];
  const onWarning = (w: Error) => warnings.push(`${w.name}: ${w.message}\n${w.stack ?? ''}`);

  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, FLOTILLA_LOG_LEVEL: 'debug' }, { keepDataDir: true });
    admin = apiClient(running.baseUrl, ADMIN);
    // the `yaml` library prints its warnings (with the excerpt) through process.emitWarning
    process.on('warning', onWarning);
  });
  afterAll(async () => {
    process.removeListener('warning', onWarning);
    await running?.close();
    if (running) rmSync(running.dataDir, { recursive: true, force: true });
  });

  it('never put a credential in an answer, a log line, a warning, the audit log or the database file', async () => {
    const cert = issueClientCertificate(east, 'kubeconfig-secrecy-user', ['system:masters']);
    const secrets: SecretLine[] = [
      { what: 'token', key: 'token', value: canary('token') },
      { what: 'client certificate', key: 'client-certificate-data', value: cert.certData },
      { what: 'client key', key: 'client-key-data', value: cert.keyData },
      { what: 'password', key: 'password', value: canary('password') },
      { what: 'marker in an unknown field', key: 'x-flotilla-note', value: canary('marker') },
    ];
    const comment = canary('comment');
    const userLines = [...secrets.map((s) => `    ${s.key}: ${s.value}`), `    # ${comment}`];

    const responses: string[] = [];
    const call = async (p: Promise<ApiResponse>) => {
      const r = await p;
      responses.push(JSON.stringify(r.body));
      return r;
    };
    // one usable cluster, so that the database holds a cluster row and the update path is open
    const registered = await call(
      admin.post('/api/v1/clusters', { name: 'kept', server: east.server, tls: { caData: east.caData }, auth: { type: 'bearerToken', token: east.adminToken } }),
    );
    expect(registered.status).toBe(201);

    const refusals: { kind: string; what: string; status: number; message: string }[] = [];
    let n = 0;
    for (const [kind, malform] of Object.entries(MALFORMATIONS)) {
      for (const [i, secret] of secrets.entries()) {
        const text = kubeconfig(malform(userLines, i, secret));
        expect(text, `${kind} / ${secret.what}`).toContain(secret.value);
        const created = await call(admin.post('/api/v1/clusters', { name: `bad-${++n}`, kubeconfig: text }));
        refusals.push({ kind, what: secret.what, status: created.status, message: String(created.body.message) });
        // the update path too, for the token and the key
        if (secret.key === 'token' || secret.key === 'client-key-data') {
          const updated = await call(admin.patch('/api/v1/clusters/kept', { kubeconfig: text }));
          refusals.push({ kind: `${kind} (update)`, what: secret.what, status: updated.status, message: String(updated.body.message) });
        }
      }
    }
    // the same secrets in other broken places: a server URL that does not parse, PEM data that is
    // not PEM, a document that is not a mapping, a body that is not JSON
    const pass = secrets[3].value;
    const more: [string, unknown][] = [
      ['a server URL with user-info and a space', { name: 'bad-server', kubeconfig: kubeconfig(userLines.slice(0, 1), `    server: https://admin:${pass}@exa mple.com:6443`) }],
      ['a server URL that is not one', { name: 'bad-server-2', kubeconfig: kubeconfig(userLines.slice(0, 1), `    server: "${pass}"`) }],
      ['a key that is not base64', { name: 'bad-key', kubeconfig: kubeconfig([`    client-certificate-data: ${cert.certData}`, `    client-key-data: ${pass}!`]) }],
      [
        'a key that decodes to something else',
        {
          name: 'bad-key-2',
          kubeconfig: kubeconfig([
            `    client-certificate-data: ${cert.certData}`,
            `    client-key-data: ${Buffer.from(`-----BEGIN PRIVATE KEY-----\n${pass}\n-----END PRIVATE KEY-----\n`).toString('base64')}`,
          ]),
        },
      ],
      [
        'a certificate that is not one',
        {
          name: 'bad-cert',
          kubeconfig: kubeconfig([
            `    client-certificate-data: ${Buffer.from(`-----BEGIN CERTIFICATE-----\n${pass}\n-----END CERTIFICATE-----\n`).toString('base64')}`,
            `    client-key-data: ${cert.keyData}`,
          ]),
        },
      ],
      ['a token that is a list', { name: 'bad-token', kubeconfig: kubeconfig([`    token: [${pass}]`]) }],
      ['a sequence, not a mapping', { name: 'bad-doc', kubeconfig: `- ${pass}\n- ${secrets[0].value}\n` }],
      ['user name and password', { name: 'bad-basic', kubeconfig: kubeconfig(['    username: admin', `    password: ${pass}`]) }],
    ];
    for (const [kind, body] of more) {
      const res = await call(admin.post('/api/v1/clusters', body));
      refusals.push({ kind, what: 'password', status: res.status, message: String(res.body.message) });
    }
    // JSON.parse's own messages quote the text around the problem, whole when it is short
    const short = `x${canary('json').slice(-19)}`;
    const notJson: ApiResponse[] = [];
    for (const broken of [`{"kubeconfig":${short}}`, `{"name":"bad-json","kubeconfig":"${secrets[0].value}\n${secrets[2].value}`, `{"auth":{"token":"${secrets[0].value}"`]) {
      notJson.push(await call(admin.call('POST', '/api/v1/clusters', broken)));
    }
    const audit = await call(admin.get('/api/v1/audit?limit=500'));

    // a PEM key can leak decoded, so every full line of its body is a secret of its own
    const pemLines = (base64: string) =>
      Buffer.from(base64, 'base64')
        .toString('utf8')
        .split('\n')
        .filter((l) => l.length === 64);
    expect(pemLines(cert.keyData).length).toBeGreaterThan(0);
    const swept: [string, string][] = [
      ...secrets.map((s): [string, string] => [s.what, s.value]),
      ['comment', comment],
      ['a short secret in a body that is not JSON', short],
      ...pemLines(cert.keyData).map((l, i): [string, string] => [`client key PEM line ${i + 1}`, l]),
      ...pemLines(cert.certData).map((l, i): [string, string] => [`client certificate PEM line ${i + 1}`, l]),
    ];
    const databaseFile = (name: string) => readFileSync(join(running.dataDir, name));
    const sources: Record<string, Buffer> = {
      'the database file': databaseFile('flotilla.sqlite'),
      'its WAL': databaseFile('flotilla.sqlite-wal'),
      'the logs': Buffer.from(running.logs.join('\n')),
      'process warnings': Buffer.from(warnings.join('\n')),
      'the responses': Buffer.from(responses.join('\n')),
    };
    // the sweep reads real bytes: what was said beside the secrets is in each place
    const database = Buffer.concat([sources['the database file'], sources['its WAL']]);
    expect(database.includes('kubeconfig is not valid YAML: ')).toBe(true);
    expect(responses.join('\n')).toContain('kubeconfig is not valid YAML: ');
    expect(running.logs.some((l) => l.includes('"status":400') && l.includes('/api/v1/clusters'))).toBe(true);
    process.emitWarning('flotilla-warning-probe');
    await new Promise((r) => setImmediate(r));
    expect(warnings.join('\n')).toContain('flotilla-warning-probe');
    const leaks = swept.flatMap(([what, secret]) =>
      Object.entries(sources)
        .filter(([, bytes]) => bytes.includes(secret))
        .map(([where]) => `${what} in ${where}`),
    );
    expect(leaks).toEqual([]);

    // every refusal is a client error that says what is wrong; a syntax error says where
    const wrong = refusals.filter((r) => ![400, 422].includes(r.status));
    expect(wrong, 'refusals that are not 400 or 422').toEqual([]);
    for (const r of refusals.filter((r) => !/a list|a mapping where|URL|base64|decodes|not one|sequence|password/.test(r.kind))) {
      expect(r.message, `${r.kind} / ${r.what}`).toMatch(/^kubeconfig is not valid YAML: line \d+, column \d+: /);
    }
    expect(refusals.find((r) => r.kind === 'a token that is a list')).toMatchObject({ status: 400, message: 'kubeconfig user "admin": token must be a string' });
    expect(refusals.find((r) => r.kind === 'a server URL with user-info and a space')?.message).toBe('kubeconfig server is not a valid URL');
    expect(refusals.find((r) => r.kind === 'a duplicate key' && r.what === 'token')?.message).toBe(
      'kubeconfig is not valid YAML: line 12, column 5: a duplicate key (DUPLICATE_KEY)',
    );
    for (const r of notJson) {
      expect(r.body).toEqual({ statusCode: 400, error: 'Bad Request', message: expect.stringMatching(/^request body is not valid JSON( \(at character \d+\))?$/) });
    }
    // every refused create and update is audited with what the client was told (a body that is
    // not JSON never reaches a handler)
    const failures = audit.body.items.filter((e: { action: string; outcome: string }) => e.action.startsWith('clusters.') && e.outcome === 'failure');
    expect(failures.length).toBe(refusals.length);
    expect(failures.map((e: { details: { error: string } }) => e.details.error)).toContain('kubeconfig is not valid YAML: line 12, column 5: a duplicate key (DUPLICATE_KEY)');
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_FIELDS_AS_SPELT } from '../../test/support/secret-field-names';
import { projectRoot } from './project-root';
import { isSecretField, REDACTED, redactSecretFields, redactUrlCredentials, SECRET_MAPS } from './secret-fields';

/** Names of the properties the OpenAPI document marks write-only, in every schema. */
function writeOnlyProperties(node: unknown, found = new Set<string>()): Set<string> {
  if (Array.isArray(node)) node.forEach((n) => writeOnlyProperties(n, found));
  else if (node && typeof node === 'object') {
    const properties = (node as { properties?: Record<string, { writeOnly?: boolean }> }).properties;
    for (const [name, schema] of Object.entries(properties ?? {})) if (schema?.writeOnly) found.add(name);
    Object.values(node).forEach((n) => writeOnlyProperties(n, found));
  }
  return found;
}

describe('secret fields', () => {
  it.each(SECRET_FIELDS_AS_SPELT)('redacts %s at the top, nested in objects and in arrays, and nothing beside it', (field) => {
    const canary = `canary-${field}-0123456789`;
    const input = {
      name: 'visible-name',
      [field]: canary,
      auth: { type: 'visible-type', [field]: canary },
      items: [{ deeper: { [field]: canary, note: 'visible-note' } }],
    };
    const out = redactSecretFields(input);
    expect(out).toEqual({
      name: 'visible-name',
      [field]: REDACTED,
      auth: { type: 'visible-type', [field]: REDACTED },
      items: [{ deeper: { [field]: REDACTED, note: 'visible-note' } }],
    });
    expect(JSON.stringify(out)).not.toContain(canary);
    // the input is left as it was (the audit log redacts a copy of the request body)
    expect(input[field]).toBe(canary);
  });

  it('matches names in any case, as headers and hand-written JSON spell them', () => {
    for (const field of SECRET_FIELDS_AS_SPELT) {
      for (const spelling of [field, field.toLowerCase(), field.toUpperCase()]) expect(isSecretField(spelling), spelling).toBe(true);
    }
    for (const plain of ['name', 'username', 'type', 'caData', 'knownHosts', 'server', 'url']) expect(isSecretField(plain), plain).toBe(false);
  });

  it('covers every write-only field of the API (openapi.json)', () => {
    const doc = JSON.parse(readFileSync(join(projectRoot(__dirname), 'openapi.json'), 'utf8'));
    const writeOnly = [...writeOnlyProperties(doc.components)].sort();
    // the document is read for real: the credentials of both resources are in it
    expect(writeOnly).toEqual(expect.arrayContaining(['privateKey', 'password', 'webhookSecret', 'token', 'keyData', 'kubeconfig']));
    expect(writeOnly.filter((f) => !isSecretField(f) && !SECRET_MAPS.includes(f))).toEqual([]);
    expect(writeOnly.filter((f) => !(SECRET_FIELDS_AS_SPELT as readonly string[]).includes(f) && !SECRET_MAPS.includes(f))).toEqual([]);
  });

  it("redacts every value of a webhook channel's headers and keeps their names", () => {
    const body = { name: 'hook', webhook: { url: 'https://example.test/x', headers: { 'X-Api-Key': 'canary-header-value', Authorization: 'Bearer canary' } } };
    const out = redactSecretFields(body) as typeof body;
    expect(out.webhook.headers).toEqual({ 'X-Api-Key': REDACTED, Authorization: REDACTED });
    expect(out.webhook.url).toBe('https://example.test/x');
    expect(JSON.stringify(out)).not.toContain('canary');
  });
});

describe('credentials in URLs', () => {
  const PW = 'canary-pw-4711';
  it.each([
    ['user:password@', `https://user:${PW}@git.example.test/org/app.git`, 'https://***@git.example.test/org/app.git'],
    ['a git-style token@', `https://${PW}@git.example.test/org/app.git`, 'https://***@git.example.test/org/app.git'],
    ['an ssh user and password', `ssh://git:${PW}@git.example.test:2222/org/app.git`, 'ssh://***@git.example.test:2222/org/app.git'],
    ['a cluster server with a port', `https://admin:${PW}@10.0.0.1:6443`, 'https://***@10.0.0.1:6443'],
    ['a password holding a raw @', `https://user:${PW}@more@git.example.test/x`, 'https://***@git.example.test/x'],
    ['a percent-encoded password', `https://user:${PW}%40%2F@git.example.test/x`, 'https://***@git.example.test/x'],
    ['an upper-case scheme', `HTTPS://USER:${PW}@git.example.test/x`, 'HTTPS://***@git.example.test/x'],
    ['a URL that does not parse (bad port)', `https://user:${PW}@git.example.test:no-port/x`, 'https://***@git.example.test:no-port/x'],
    [
      'a URL inside a longer string',
      `mirror of https://user:${PW}@git.example.test/x, then "http://tok${PW}@h2/y"`,
      'mirror of https://***@git.example.test/x, then "http://***@h2/y"',
    ],
    ['a URL in a JSON text', `{"url":"https://u:${PW}@h/x","mail":"a@b"}`, '{"url":"https://***@h/x","mail":"a@b"}'],
    ['one slash, or backslashes (WHATWG reads them as slashes)', `https:/u:${PW}@h/x https:\\u:${PW}@h/y`, 'https:/***@h/x https:\\***@h/y'],
    ['no slashes at all (WHATWG still finds the user-info)', `https:u:${PW}@h/x`, 'https://***@h/x'],
    ['a space in the password (the parser encodes it)', `https://u:${PW} x@h/x`, 'https://***@h/x'],
    [
      "a URL percent-encoded in another one's query",
      `https://h/login?next=https%3A%2F%2Fu%3A${PW}%40evil.test%2Fx&a=b`,
      'https://h/login?next=https%3A%2F%2F***%40evil.test%2Fx&a=b',
    ],
    ['several URLs', `a https://u:${PW}@h1/ b ftp://${PW}@h2/ c`, 'a https://***@h1/ b ftp://***@h2/ c'],
  ])('replaces the user-info of %s by ***@ and keeps scheme, host and path', (_what, input, expected) => {
    const out = redactUrlCredentials(input);
    expect(out).toBe(expected);
    expect(out).not.toContain(PW);
  });

  it.each([
    'https://git.example.test/org/app.git',
    'git@github.com:org/app.git',
    'mailto:someone@example.test',
    'contact: admin@example.test',
    'https://registry.example.test/@scope/package',
    'https://h/x?email=a@b.test',
    'plain text',
    '',
  ])('leaves %j as it is', (input) => {
    expect(redactUrlCredentials(input)).toBe(input);
  });

  it('takes linear time on hostile input', () => {
    const started = Date.now();
    for (const s of ['a:\\'.repeat(200_000) + '@', 'a'.repeat(500_000) + '@', 'x:/y@'.repeat(100_000), ('https%3A%2F' + 'x'.repeat(50)).repeat(10_000) + '%40'])
      redactUrlCredentials(s);
    expect(Date.now() - started).toBeLessThan(5000);
  });

  it('redacts every URL-shaped value of a body, wherever it sits, and the error beside it', () => {
    const body = {
      name: 'visible-name',
      url: `https://user:${PW}@git.example.test/org/app.git`,
      server: `https://${PW}@10.0.0.1:6443`,
      webhook: { url: `http://u:${PW}@hooks.example.test/in`, secret: 'canary-secret' },
      helm: { values: { proxies: [`http://proxy:${PW}@proxy.example.test:3128`], note: 'visible-note' } },
      [`https://u:${PW}@key.example.test`]: 'a key too',
      // cut at 2000 characters inside the password: redacted before the cut
      long: 'x'.repeat(1988) + `https://u:${PW}@h/x`,
    };
    const out = redactSecretFields({ body, error: `fetch of https://u:${PW}@git.example.test failed` }) as Record<string, any>;
    expect(JSON.stringify(out)).not.toContain(PW);
    expect(out.body).toMatchObject({
      name: 'visible-name',
      url: 'https://***@git.example.test/org/app.git',
      server: 'https://***@10.0.0.1:6443',
      webhook: { url: 'http://***@hooks.example.test/in', secret: REDACTED },
      helm: { values: { proxies: ['http://***@proxy.example.test:3128'], note: 'visible-note' } },
      'https://***@key.example.test': 'a key too',
    });
    expect(out.error).toBe('fetch of https://***@git.example.test failed');
    expect(out.body.long).toMatch(/xhttps:\/\/\*\*\*@…$/);
    expect(body.url).toContain(PW); // the input is left as it was
  });
});

import { describe, expect, it } from 'vitest';
import { readFileSync } from 'node:fs';
import { join } from 'node:path';
import { SECRET_FIELDS_AS_SPELT } from '../../test/support/secret-field-names';
import { projectRoot } from './project-root';
import { isSecretField, REDACTED, redactSecretFields, SECRET_MAPS } from './secret-fields';

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

  it('redacts every value of a webhook channel\'s headers and keeps their names', () => {
    const body = { name: 'hook', webhook: { url: 'https://example.test/x', headers: { 'X-Api-Key': 'canary-header-value', Authorization: 'Bearer canary' } } };
    const out = redactSecretFields(body) as typeof body;
    expect(out.webhook.headers).toEqual({ 'X-Api-Key': REDACTED, Authorization: REDACTED });
    expect(out.webhook.url).toBe('https://example.test/x');
    expect(JSON.stringify(out)).not.toContain('canary');
  });
});

import { describe, expect, it } from 'vitest';
import { auditAction } from './audit.interceptor';
import { canonicalJson } from './canonical-json';

describe('audit action names', () => {
  it.each([
    ['POST', '/api/v1/clusters', 'clusters.create'],
    ['PATCH', '/api/v1/clusters/:name', 'clusters.update'],
    ['DELETE', '/api/v1/tokens/:name', 'tokens.delete'],
    ['POST', '/api/v1/clusters/:name/check', 'clusters.check'],
    ['POST', '/api/v1/applications/:name/sync', 'applications.sync'],
  ])('%s %s → %s', (method, path, action) => {
    expect(auditAction(method, path)).toBe(action);
  });
});

describe('canonical JSON', () => {
  it('sorts keys at every level and drops undefined fields', () => {
    expect(canonicalJson({ b: 1, a: { d: [1, { z: 1, y: 2 }], c: undefined } })).toBe('{"a":{"d":[1,{"y":2,"z":1}]},"b":1}');
  });
});

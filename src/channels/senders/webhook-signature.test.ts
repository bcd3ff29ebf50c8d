import { createHmac } from 'node:crypto';
import { Webhook } from 'standardwebhooks';
import { describe, expect, it } from 'vitest';
import { checkWebhookSecret, signingKey, WebhookSigner } from './webhook-signature';

const body = JSON.stringify({ id: 'd-1', data: { ünïcode: '✓' } });
const at = new Date();
const headers = (id: string, signature: string) => ({ 'webhook-id': id, 'webhook-timestamp': String(Math.floor(at.getTime() / 1000)), 'webhook-signature': signature });

describe('webhook signatures', () => {
  it('signs an arbitrary secret with its UTF-8 bytes, verifiable as whsec_ + base64(secret)', () => {
    const secret = 'correct horse – battery staple ✓';
    const signature = new WebhookSigner(secret).sign('d-1', at, body);
    const standard = new Webhook(`whsec_${Buffer.from(secret, 'utf8').toString('base64')}`);
    expect(standard.verify(body, headers('d-1', signature))).toEqual(JSON.parse(body));
    const expected = createHmac('sha256', Buffer.from(secret, 'utf8'))
      .update(`d-1.${Math.floor(at.getTime() / 1000)}.${body}`)
      .digest('base64');
    expect(signature).toBe(`v1,${expected}`);
  });

  it('uses a whsec_ secret as the standard says', () => {
    const secret = `whsec_${Buffer.from('0123456789abcdef0123456789abcdef').toString('base64')}`;
    const signature = new WebhookSigner(secret).sign('d-2', at, body);
    expect(() => new Webhook(secret).verify(body, headers('d-2', signature))).not.toThrow();
    expect(Buffer.from(signingKey(secret)).toString()).toBe('0123456789abcdef0123456789abcdef');
  });

  it('a signature for another id or body does not verify', () => {
    const secret = 'another secret';
    const verifier = new Webhook(`whsec_${Buffer.from(secret).toString('base64')}`);
    const signature = new WebhookSigner(secret).sign('d-3', at, body);
    expect(() => verifier.verify(body, headers('d-4', signature))).toThrow(/No matching signature/);
    expect(() => verifier.verify(body + ' ', headers('d-3', signature))).toThrow(/No matching signature/);
  });

  it('refuses empty secrets and whsec_ secrets that are not base64', () => {
    expect(() => checkWebhookSecret('')).toThrow(/empty/);
    expect(() => checkWebhookSecret('whsec_not base64!')).toThrow(/not base64/);
    expect(() => checkWebhookSecret('whsec_')).toThrow(/not base64/);
    expect(() => checkWebhookSecret('x'.repeat(1025))).toThrow(/1024/);
    expect(() => checkWebhookSecret('whsec_MfKQ9r8GKYqrTwjUPD8ILPZIo2LaLaSw')).not.toThrow();
  });
});

// How a channel's webhook secret becomes the Standard Webhooks signing key.
//
// Standard Webhooks secrets are `whsec_` + base64 of the key bytes. Users also bring secrets of
// their own (any string). The rule, so a receiver can always verify with a stock library:
// - `whsec_<base64>`  → the decoded bytes, exactly as the standard says;
// - anything else     → the string's UTF-8 bytes. A receiver using the `standardwebhooks`
//   package verifies with `new Webhook('whsec_' + Buffer.from(secret).toString('base64'))`
//   (or with `new Webhook(Buffer.from(secret), { format: 'raw' })`).
// Either way the signature is base64(HMAC-SHA256(key, `${webhook-id}.${webhook-timestamp}.${body}`)).
// (The package's own `format: 'raw'` for a string takes char codes, not UTF-8, so it is never
// handed a string here.)
import { Webhook } from 'standardwebhooks';
import { InvalidInputError } from '../../shared/errors';

const PREFIX = 'whsec_';
const BASE64 = /^(?:[A-Za-z0-9+/]{4})*(?:[A-Za-z0-9+/]{2}==|[A-Za-z0-9+/]{3}=)?$/;

/** Create-time check of a webhook secret; throws InvalidInputError saying what is wrong. */
export function checkWebhookSecret(secret: string): void {
  if (typeof secret !== 'string' || secret.length === 0) throw new InvalidInputError('webhook secret must not be empty');
  if (secret.length > 1024) throw new InvalidInputError('webhook secret is longer than 1024 characters');
  if (secret.startsWith(PREFIX)) {
    const encoded = secret.slice(PREFIX.length);
    if (encoded.length === 0 || !BASE64.test(encoded)) {
      throw new InvalidInputError('webhook secret starts with "whsec_" but the rest is not base64 (Standard Webhooks secrets are whsec_ + base64 of the key)');
    }
  }
}

/** The key bytes a secret stands for (see the rule above). Throws InvalidInputError for a bad whsec_ secret. */
export function signingKey(secret: string): Uint8Array {
  checkWebhookSecret(secret);
  if (secret.startsWith(PREFIX)) return new Uint8Array(Buffer.from(secret.slice(PREFIX.length), 'base64'));
  return new Uint8Array(Buffer.from(secret, 'utf8'));
}

/** Signs deliveries with one secret: `webhook-signature` header values (`v1,<base64>`). */
export class WebhookSigner {
  private readonly webhook: Webhook;

  constructor(secret: string) {
    this.webhook = new Webhook(signingKey(secret), { format: 'raw' });
  }

  sign(id: string, timestamp: Date, body: string): string {
    return this.webhook.sign(id, timestamp, body);
  }
}

// Checks of base64 PEM data (CA bundles, client certificates, private keys). The data may be a
// secret, so a problem is described by the field and what is wrong with it, never by content:
// neither this module nor the crypto errors it swallows (which can quote a decoded line) put any
// of it in a message.
import { createPrivateKey, X509Certificate } from 'node:crypto';

const BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}\s*$/;

/** The decoded PEM text, or the reason it is not one. */
function decode(field: string, value: string): { pem: string } | { problem: string } {
  if (!BASE64.test(value)) return { problem: `${field} must be base64 of a PEM document` };
  const pem = Buffer.from(value, 'base64').toString('utf8');
  if (!pem.includes('-----BEGIN ')) return { problem: `${field} must be base64 of a PEM document (no "-----BEGIN" found after decoding)` };
  return { pem };
}

/** Checks base64 PEM certificates (one or a bundle); returns a reason or null. */
export function certificateProblem(field: string, value: string): string | null {
  const decoded = decode(field, value);
  if ('problem' in decoded) return decoded.problem;
  const blocks = decoded.pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
  if (!blocks) return `${field} must hold a PEM certificate`;
  for (const [i, block] of blocks.entries()) {
    try {
      new X509Certificate(block);
    } catch {
      return blocks.length > 1 ? `${field}: certificate ${i + 1} of ${blocks.length} is not a valid PEM certificate` : `${field} is not a valid PEM certificate`;
    }
  }
  return null;
}

export function privateKeyProblem(field: string, value: string): string | null {
  const decoded = decode(field, value);
  if ('problem' in decoded) return decoded.problem;
  try {
    createPrivateKey(decoded.pem);
    return null;
  } catch {
    return `${field} is not a valid PEM private key (or it is encrypted)`;
  }
}

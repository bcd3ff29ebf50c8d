import { createPrivateKey, X509Certificate } from 'node:crypto';

const BASE64 = /^[A-Za-z0-9+/\r\n]+={0,2}\s*$/;

function decode(field: string, value: string): string {
  if (!BASE64.test(value)) throw new Error(`${field} must be base64 of a PEM document`);
  const pem = Buffer.from(value, 'base64').toString('utf8');
  if (!pem.includes('-----BEGIN ')) throw new Error(`${field} must be base64 of a PEM document (no "-----BEGIN" found after decoding)`);
  return pem;
}

/** Checks base64 PEM certificates (one or a bundle); returns a reason or null. */
export function certificateProblem(field: string, value: string): string | null {
  try {
    const pem = decode(field, value);
    const blocks = pem.match(/-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g);
    if (!blocks) return `${field} must hold a PEM certificate`;
    for (const b of blocks) new X509Certificate(b);
    return null;
  } catch (e) {
    return e instanceof Error && e.message.startsWith(field) ? e.message : `${field} is not a valid PEM certificate`;
  }
}

export function privateKeyProblem(field: string, value: string): string | null {
  try {
    createPrivateKey(decode(field, value));
    return null;
  } catch (e) {
    return e instanceof Error && e.message.startsWith(field) ? e.message : `${field} is not a valid PEM private key`;
  }
}

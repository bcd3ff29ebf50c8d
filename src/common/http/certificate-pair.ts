// A certificate file and a key file checked to make a pair OpenSSL will serve. Every problem names
// the setting, the file and what is wrong with it — never the content: a key file's bytes are a
// secret, and crypto errors can quote a line.
import { createPrivateKey, KeyObject, X509Certificate } from 'node:crypto';
import { readFile } from 'node:fs/promises';
import { createSecureContext } from 'node:tls';

/** A certificate (chain) and its key, checked to belong together. */
export interface ServingPair {
  cert: Buffer;
  key: Buffer;
  /** the first certificate of the file: the one the key belongs to */
  leaf: X509Certificate;
}

/** Which setting a file came from, for messages: `server.tls.certFile` or `server.tls.selfSigned`. */
export interface PairLabels {
  cert: string;
  key: string;
}

const CERTIFICATE_BLOCK = /-----BEGIN CERTIFICATE-----[\s\S]+?-----END CERTIFICATE-----/g;

/** Fields for a log line about a certificate: where it is and which one it is. */
export function describe(pair: ServingPair & { certFile: string }): Record<string, unknown> {
  return { certFile: pair.certFile, subject: pair.leaf.subject.replace(/\n/g, ', '), fingerprint256: pair.leaf.fingerprint256, validTo: new Date(pair.leaf.validTo).toISOString() };
}

export type ReadPair = { cert: Buffer; key: Buffer } | { problem: string };

/** Reads both files; a file that cannot be read is a problem naming it. */
export async function readPair(certFile: string, keyFile: string, labels: PairLabels): Promise<ReadPair> {
  const [cert, key] = await Promise.all([readOrWhy(certFile, labels.cert), readOrWhy(keyFile, labels.key)]);
  if (typeof cert === 'string') return { problem: cert };
  if (typeof key === 'string') return { problem: key };
  return { cert, key };
}

async function readOrWhy(file: string, label: string): Promise<Buffer | string> {
  try {
    return await readFile(file);
  } catch (e) {
    const code = (e as NodeJS.ErrnoException).code;
    const why =
      code === 'ENOENT'
        ? 'does not exist'
        : code === 'EACCES'
          ? 'cannot be read (permission denied)'
          : code === 'EISDIR'
            ? 'is a directory, not a file'
            : `cannot be read (${code ?? 'unknown error'})`;
    return `${label}: ${file} ${why}`;
  }
}

/**
 * Whether `cert` (a PEM certificate, optionally followed by its chain) and `key` (an unencrypted
 * PEM private key) make a pair OpenSSL will serve, and the leaf has not expired.
 */
export function checkPair(read: ReadPair, certFile: string, keyFile: string, labels: PairLabels, opts: { allowExpired?: boolean } = {}): ServingPair | { problem: string } {
  if ('problem' in read) return read;
  const { cert, key } = read;
  const blocks = cert.toString('utf8').match(CERTIFICATE_BLOCK);
  if (!blocks) return { problem: `${labels.cert}: ${certFile} holds no PEM certificate (no "-----BEGIN CERTIFICATE-----" block)` };
  const certificates: X509Certificate[] = [];
  for (const [i, block] of blocks.entries()) {
    try {
      certificates.push(new X509Certificate(block));
    } catch {
      const which = blocks.length > 1 ? `certificate ${i + 1} of ${blocks.length}` : 'the certificate';
      return { problem: `${labels.cert}: ${certFile}: ${which} is not a valid X.509 certificate` };
    }
  }
  const leaf = certificates[0];

  const keyText = key.toString('utf8');
  if (/-----BEGIN (ENCRYPTED PRIVATE KEY|[A-Z ]*PRIVATE KEY-----\r?\nProc-Type: 4,ENCRYPTED)/.test(keyText)) {
    return { problem: `${labels.key}: ${keyFile} is encrypted; Flotilla takes an unencrypted PEM key (keep the file readable by Flotilla only)` };
  }
  let privateKey: KeyObject;
  try {
    if (!keyText.includes('-----BEGIN ')) throw new Error('not PEM');
    privateKey = createPrivateKey(keyText);
  } catch {
    return { problem: `${labels.key}: ${keyFile} is not a valid PEM private key` };
  }
  if (!leaf.checkPrivateKey(privateKey)) {
    return {
      problem: `${labels.key}: ${keyFile} is not the key of the certificate in ${certFile} (${leaf.subject.replace(/\n/g, ', ')}; the key must belong to the first certificate of the file)`,
    };
  }
  const validTo = Date.parse(leaf.validTo);
  if (validTo < Date.now() && !opts.allowExpired) return { problem: `${labels.cert}: the certificate in ${certFile} expired on ${new Date(validTo).toISOString()}` };
  try {
    createSecureContext({ cert, key });
  } catch (e) {
    // OpenSSL's own reason ("ee key too small", "ca md too weak"): a fixed phrase, no file content
    const reason = (e as { reason?: unknown }).reason;
    return { problem: `${labels.cert}: OpenSSL refuses ${certFile} with ${keyFile}${typeof reason === 'string' ? `: ${reason}` : ''}` };
  }
  return { cert, key, leaf };
}

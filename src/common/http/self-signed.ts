// server.tls.selfSigned: a serving certificate Flotilla makes once and keeps in the data directory,
// with the certificate clients trust it by (curl --cacert data/tls-ca.crt).
//
// Not one self-signed certificate but a one-off CA and a certificate it signs, and the CA's key is
// never written anywhere. Browsers accept a certificate imported as an authority only when it is
// a CA (Chromium, with a CA:FALSE self-signed certificate trusted as an authority: ERR_CERT_INVALID),
// and a CA whose key lay in the data directory could sign a certificate for any name — for every
// client that trusts it. A CA that can sign nothing more gives both: the usual "trust this CA"
// works everywhere, and a stolen data directory yields Flotilla's own key only.
//
// Made with @peculiar/x509 on Node's WebCrypto: Node's crypto makes keys but cannot sign X.509,
// the Docker image has no openssl binary, and `selfsigned` (the usual choice) is a wrapper over
// this same library that defaults to SHA-1 and RSA and makes single self-signed certificates.
// It is loaded only when a set is made (about 2 MiB held for the life of the process otherwise).
import 'reflect-metadata'; // @peculiar/x509 resolves its parts with tsyringe, which needs it loaded
import { createPrivateKey, randomBytes, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, readFileSync } from 'node:fs';
import { chmod, mkdir, rename, rm, writeFile } from 'node:fs/promises';
import { hostname } from 'node:os';
import { isIP } from 'node:net';
import { join } from 'node:path';
import type * as X509 from '@peculiar/x509';
import type { Logger } from 'pino';
import { AppConfig, ConfigError } from '../../config/app-config';
import { checkPair, describe, readPair, type ServingPair } from './certificate-pair';

/** in the data directory: what clients trust, and what is served */
export const SELF_SIGNED_CA_FILE = 'tls-ca.crt';
export const SELF_SIGNED_CERT_FILE = 'tls.crt';
export const SELF_SIGNED_KEY_FILE = 'tls.key';
/** 2 years: within what Apple's platforms accept for any TLS server certificate (825 days) */
const VALIDITY_DAYS = 730;
/** a set this close to its end is replaced at start, so a running service never serves an expired one for long */
const RENEW_BEFORE_MS = 30 * 86_400_000;

const ALGORITHM = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' } as const;

type Keys = Parameters<typeof X509.X509CertificateGenerator.createSelfSigned>[0]['keys'];

/**
 * The set in `<dataDir>/`: tls-ca.crt, tls.crt and tls.key. Made when none or only some of them
 * are there, or the certificate is within 30 days of its end; reused otherwise. Files that are
 * all there but do not make a valid set stop start-up (ConfigError) rather than being replaced:
 * they may be evidence, and clients trust them.
 */
export async function ensureSelfSignedPair(config: AppConfig, log: Logger): Promise<ServingPair & { certFile: string; keyFile: string; caFile: string }> {
  const caFile = join(config.dataDir, SELF_SIGNED_CA_FILE);
  const certFile = join(config.dataDir, SELF_SIGNED_CERT_FILE);
  const keyFile = join(config.dataDir, SELF_SIGNED_KEY_FILE);
  const labels = { cert: 'server.tls.selfSigned', key: 'server.tls.selfSigned' };
  const present = [caFile, certFile, keyFile].filter((f) => existsSync(f));
  if (present.length === 3) {
    const stop = (problem: string) => new ConfigError([`${problem}; delete ${caFile}, ${certFile} and ${keyFile} to make a new set`]);
    const result = checkPair(await readPair(certFile, keyFile, labels), certFile, keyFile, labels, { allowExpired: true });
    if ('problem' in result) throw stop(result.problem);
    let ca: X509Certificate;
    try {
      ca = new X509Certificate(readFileSync(caFile));
    } catch {
      throw stop(`server.tls.selfSigned: ${caFile} is not a valid PEM certificate`);
    }
    if (!result.leaf.checkIssued(ca) || !result.leaf.verify(ca.publicKey)) throw stop(`server.tls.selfSigned: the certificate in ${certFile} was not signed by ${caFile}`);
    if (Date.parse(result.leaf.validTo) - Date.now() > RENEW_BEFORE_MS) return { ...result, certFile, keyFile, caFile };
    log.warn({ certFile }, `the self-signed TLS certificate expires within 30 days: making a new set (clients must trust the new ${caFile})`);
  } else if (present.length) {
    log.warn({ present }, 'part of the self-signed TLS set is missing: making a new set');
  }

  const made = await generate(subjectNames(config.server.host));
  await mkdir(config.dataDir, { recursive: true, mode: 0o700 });
  // written beside, then renamed into place: a crash leaves whole files (and a set a restart redoes)
  const suffix = `.${process.pid}.${randomBytes(4).toString('hex')}.tmp`;
  const files: Array<[string, Buffer, number]> = [
    [keyFile, made.key, 0o600],
    [certFile, made.cert, 0o644],
    [caFile, made.ca, 0o644],
  ];
  try {
    for (const [file, content, mode] of files) {
      await writeFile(file + suffix, content, { mode, flag: 'wx' });
      await chmod(file + suffix, mode); // whatever the umask
    }
    for (const [file] of files) await rename(file + suffix, file);
  } finally {
    for (const [file] of files) await rm(file + suffix, { force: true });
  }
  const pair = checkPair({ cert: made.cert, key: made.key }, certFile, keyFile, labels);
  if ('problem' in pair) throw new Error(`the generated self-signed pair does not check: ${pair.problem}`);
  log.info({ ...describe({ ...pair, certFile }), caFile, keyFile }, `made a self-signed TLS certificate: clients trust ${caFile} (curl --cacert)`);
  return { ...pair, certFile, keyFile, caFile };
}

/** DNS names and IP addresses the certificate is for: loopback, this host's name, a specific listen address. */
export function subjectNames(listenHost: string): { dns: string[]; ips: string[] } {
  const dns = ['localhost'];
  const label = /^[a-z0-9]([a-z0-9-]*[a-z0-9])?(\.[a-z0-9]([a-z0-9-]*[a-z0-9])?)*$/;
  for (const name of [hostname().toLowerCase(), isIP(listenHost) ? '' : listenHost.toLowerCase()]) {
    if (label.test(name) && !dns.includes(name)) dns.push(name);
  }
  const ips = ['127.0.0.1', '::1'];
  if (isIP(listenHost) && !['0.0.0.0', '::', ...ips].includes(listenHost)) ips.push(listenHost);
  return { dns, ips };
}

async function generate(names: { dns: string[]; ips: string[] }): Promise<{ ca: Buffer; cert: Buffer; key: Buffer }> {
  const x509 = await import('@peculiar/x509');
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const caKeys = (await webcrypto.subtle.generateKey(ALGORITHM, false, ['sign', 'verify'])) as unknown as Keys; // never exported
  const serverKeys = (await webcrypto.subtle.generateKey(ALGORITHM, true, ['sign', 'verify'])) as unknown as Keys;
  const notBefore = new Date(Date.now() - 5 * 60_000); // a little clock skew between client and server
  const notAfter = new Date(notBefore.getTime() + VALIDITY_DAYS * 86_400_000);
  const host = names.dns[1] ?? 'localhost';

  const ca = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: serial(),
    // a name of its own per set, so a trust store that holds an old one shows them apart
    name: `CN=Flotilla ${host} CA ${notBefore.toISOString().slice(0, 10)} ${randomBytes(3).toString('hex')}`,
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    keys: caKeys,
    extensions: [
      new x509.BasicConstraintsExtension(true, 0, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.keyCertSign | x509.KeyUsageFlags.cRLSign, true),
      await x509.SubjectKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const cert = await x509.X509CertificateGenerator.create({
    serialNumber: serial(),
    subject: `CN=${host}`,
    issuer: ca.subject,
    notBefore,
    notAfter,
    signingAlgorithm: ALGORITHM,
    publicKey: serverKeys.publicKey,
    signingKey: caKeys.privateKey,
    extensions: [
      new x509.BasicConstraintsExtension(false, undefined, true),
      new x509.KeyUsagesExtension(x509.KeyUsageFlags.digitalSignature, true),
      new x509.ExtendedKeyUsageExtension([x509.ExtendedKeyUsage.serverAuth]),
      new x509.SubjectAlternativeNameExtension([...names.dns.map((value) => ({ type: 'dns' as const, value })), ...names.ips.map((value) => ({ type: 'ip' as const, value }))]),
      await x509.SubjectKeyIdentifierExtension.create(serverKeys.publicKey),
      await x509.AuthorityKeyIdentifierExtension.create(caKeys.publicKey),
    ],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', serverKeys.privateKey as unknown as webcrypto.CryptoKey));
  const key = createPrivateKey({ key: pkcs8, format: 'der', type: 'pkcs8' }).export({ format: 'pem', type: 'pkcs8' });
  return { ca: Buffer.from(ca.toString('pem') + '\n'), cert: Buffer.from(cert.toString('pem') + '\n'), key: Buffer.from(key) };
}

/** 16 random bytes, a positive INTEGER */
function serial(): string {
  const bytes = randomBytes(16);
  bytes[0] &= 0x7f;
  return bytes.toString('hex');
}

// Certificates for the test bed, made with the openssl CLI (Node's crypto cannot sign X.509).
import { execFileSync } from 'node:child_process';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import { join } from 'node:path';

function openssl(args: string[], cwd: string): void {
  execFileSync('openssl', args, { cwd, stdio: ['ignore', 'ignore', 'pipe'] });
}

export interface CertificateFiles {
  cert: string;
  key: string;
}

/** A self-signed CA whose files live in `dir`. */
export function createCertificateAuthority(dir: string, name: string): CertificateFiles {
  mkdirSync(dir, { recursive: true });
  const key = join(dir, `${name}.key`);
  const cert = join(dir, `${name}.crt`);
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
  openssl(
    [
      'req',
      '-x509',
      '-new',
      '-key',
      key,
      '-sha256',
      '-days',
      '30',
      '-subj',
      `/CN=${name}`,
      '-addext',
      'basicConstraints=critical,CA:TRUE',
      '-addext',
      'keyUsage=critical,keyCertSign,cRLSign',
      '-out',
      cert,
    ],
    dir,
  );
  return { cert, key };
}

export interface IssueOptions {
  commonName: string;
  organizations?: string[];
  /** serving certificates: IPs and DNS names; absent for client certificates */
  ipAddresses?: string[];
  dnsNames?: string[];
}

/** Issues a leaf certificate signed by `ca`; returns the PEM texts. */
export function issueCertificate(dir: string, ca: CertificateFiles, fileStem: string, opts: IssueOptions): { certPem: string; keyPem: string; files: CertificateFiles } {
  const key = join(dir, `${fileStem}.key`);
  const csr = join(dir, `${fileStem}.csr`);
  const cert = join(dir, `${fileStem}.crt`);
  const ext = join(dir, `${fileStem}.ext`);
  const subject = `/CN=${opts.commonName}` + (opts.organizations ?? []).map((o) => `/O=${o}`).join('');
  openssl(['ecparam', '-name', 'prime256v1', '-genkey', '-noout', '-out', key], dir);
  openssl(['req', '-new', '-key', key, '-subj', subject, '-out', csr], dir);
  const serving = (opts.ipAddresses?.length ?? 0) + (opts.dnsNames?.length ?? 0) > 0;
  const san = [...(opts.ipAddresses ?? []).map((ip) => `IP:${ip}`), ...(opts.dnsNames ?? []).map((d) => `DNS:${d}`)];
  writeFileSync(
    ext,
    [
      'basicConstraints=CA:FALSE',
      'keyUsage=critical,digitalSignature,keyEncipherment',
      `extendedKeyUsage=${serving ? 'serverAuth' : 'clientAuth'}`,
      ...(san.length ? [`subjectAltName=${san.join(',')}`] : []),
    ].join('\n'),
  );
  openssl(['x509', '-req', '-in', csr, '-CA', ca.cert, '-CAkey', ca.key, '-CAcreateserial', '-days', '30', '-sha256', '-extfile', ext, '-out', cert], dir);
  return { certPem: readFileSync(cert, 'utf8'), keyPem: readFileSync(key, 'utf8'), files: { cert, key } };
}

/** An RSA key pair for service-account token signing. */
export function createSigningKey(dir: string, name: string): { privateKey: string; publicKey: string } {
  const privateKey = join(dir, `${name}.key`);
  const publicKey = join(dir, `${name}.pub`);
  openssl(['genrsa', '-out', privateKey, '2048'], dir);
  openssl(['rsa', '-in', privateKey, '-pubout', '-out', publicKey], dir);
  return { privateKey, publicKey };
}

export const toBase64 = (pem: string): string => Buffer.from(pem, 'utf8').toString('base64');

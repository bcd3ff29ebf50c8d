// HTTPS on Flotilla's own port (server.tls): a self-signed pair made once in the data directory, or
// certificate and key files reloaded when they change. Clients verify against a CA file — nothing
// here ever turns verification off.
import 'reflect-metadata';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createPrivateKey, webcrypto, X509Certificate } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, mkdtempSync, readdirSync, readFileSync, renameSync, rmSync, statSync, symlinkSync, writeFileSync } from 'node:fs';
import { connect as netConnect } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import * as x509 from '@peculiar/x509';
import { ConfigError, loadConfig } from '../../src/config/app-config';
import { projectRoot } from '../../src/shared/project-root';
import { caFetch, RunningApp, startApp } from '../support/app';
import { eventually } from '../support/eventually';
import { ServiceProcess } from '../support/service-process';
import { CertificateFiles, createCertificateAuthority, issueCertificate } from '../testbed/pki';

/** The SHA-256 fingerprint of the certificate a new TLS connection to `port` is served, verified against `ca`. */
function servedFingerprint(port: number, ca: string | Buffer): Promise<string> {
  return new Promise((resolve, reject) => {
    const socket = tlsConnect({ host: '127.0.0.1', port, ca }, () => {
      const fingerprint = socket.getPeerCertificate().fingerprint256;
      socket.end();
      resolve(fingerprint);
    });
    socket.on('error', reject);
  });
}

const fingerprintOf = (pem: string | Buffer) => new X509Certificate(pem).fingerprint256;
const portOf = (running: RunningApp) => Number(new URL(running.baseUrl).port);

/** What a plain-HTTP request to `port` gets back, raw (the empty string when the server just closes). */
function plainHttpAnswer(port: number): Promise<string> {
  return new Promise((resolve) => {
    const socket = netConnect({ host: '127.0.0.1', port }, () => socket.write('GET /healthz HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n'));
    let got = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (got += c));
    socket.on('error', () => undefined); // a reset is an answer too: none
    socket.on('close', () => resolve(got));
    socket.setTimeout(5_000, () => socket.destroy());
  });
}

/** A self-signed certificate and key with the given validity (openssl cannot backdate an end). */
async function selfSignedPem(notBefore: Date, notAfter: Date): Promise<{ cert: string; key: string }> {
  x509.cryptoProvider.set(webcrypto as unknown as Parameters<typeof x509.cryptoProvider.set>[0]);
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const cert = await x509.X509CertificateGenerator.createSelfSigned({
    serialNumber: '01',
    name: 'CN=127.0.0.1',
    notBefore,
    notAfter,
    signingAlgorithm: alg,
    keys: keys,
    extensions: [new x509.SubjectAlternativeNameExtension([{ type: 'ip', value: '127.0.0.1' }])],
  });
  const pkcs8 = Buffer.from(await webcrypto.subtle.exportKey('pkcs8', keys.privateKey));
  return { cert: cert.toString('pem'), key: `-----BEGIN PRIVATE KEY-----\n${pkcs8.toString('base64').replace(/.{64}/g, '$&\n')}\n-----END PRIVATE KEY-----\n` };
}

describe('server.tls configuration', () => {
  it('is plain HTTP by default; variables turn on a self-signed pair or name files', () => {
    expect(loadConfig({ env: {} }).server.tls).toEqual({ certFile: null, keyFile: null, selfSigned: false });
    expect(loadConfig({ env: { FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' } }).server.tls).toEqual({ certFile: null, keyFile: null, selfSigned: true });
    const files = loadConfig({ env: { FLOTILLA_SERVER__TLS__CERT_FILE: 'tls/tls.crt', FLOTILLA_SERVER__TLS__KEY_FILE: '/etc/flotilla/tls.key' }, cwd: '/srv/flotilla' });
    expect(files.server.tls).toEqual({ certFile: '/srv/flotilla/tls/tls.crt', keyFile: '/etc/flotilla/tls.key', selfSigned: false });
  });

  it('refuses half a pair, and a pair together with selfSigned, naming the keys and where they came from', () => {
    const problems = (env: Record<string, string>) => {
      try {
        loadConfig({ env });
      } catch (e) {
        return (e as ConfigError).problems;
      }
      return [];
    };
    expect(problems({ FLOTILLA_SERVER__TLS__CERT_FILE: '/x/tls.crt' })).toEqual([
      `server.tls.keyFile: expected a file path, since server.tls.certFile is set (from environment variable FLOTILLA_SERVER__TLS__CERT_FILE), got null (from ${join(projectRoot(), 'config', 'default.yaml')})`,
    ]);
    expect(problems({ FLOTILLA_SERVER__TLS__CERT_FILE: '/x/tls.crt', FLOTILLA_SERVER__TLS__KEY_FILE: '/x/tls.key', FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' })).toEqual([
      'server.tls.selfSigned: expected false when server.tls.certFile is set (from environment variable FLOTILLA_SERVER__TLS__CERT_FILE): use your certificate or a self-signed one, not both, got true (from environment variable FLOTILLA_SERVER__TLS__SELF_SIGNED)',
    ]);
    expect(problems({ FLOTILLA_SERVER__TLS__SELF_SIGNED: 'yes' })).toEqual([
      'server.tls.selfSigned: expected true or false, got "yes" (from environment variable FLOTILLA_SERVER__TLS__SELF_SIGNED)',
    ]);
  });
});

describe('selfSigned: true', () => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' }, { keepDataDir: true });
  });
  afterAll(async () => {
    await running?.close();
    if (running) rmSync(running.dataDir, { recursive: true, force: true });
  });

  it('makes a key (0600), a certificate for loopback and the CA that signed it in the data directory, and answers HTTPS verified against that CA', async () => {
    expect(running.baseUrl).toMatch(/^https:\/\/127\.0\.0\.1:\d+$/);
    expect(statSync(join(running.dataDir, 'tls.key')).mode & 0o777).toBe(0o600);
    const cert = new X509Certificate(readFileSync(join(running.dataDir, 'tls.crt')));
    expect(cert.subjectAltName).toContain('IP Address:127.0.0.1');
    expect(cert.subjectAltName).toContain('DNS:localhost');
    expect(cert.ca).toBe(false);
    expect(Date.parse(cert.validTo) - Date.now()).toBeGreaterThan(700 * 86_400_000);
    const ca = new X509Certificate(readFileSync(join(running.dataDir, 'tls-ca.crt')));
    expect(ca.ca).toBe(true);
    expect(cert.verify(ca.publicKey)).toBe(true);
    expect(running.ca).toBe(readFileSync(join(running.dataDir, 'tls-ca.crt'), 'utf8'));
    // the CA's key is nowhere: nothing else can ever be signed by it
    const pemKeys = readdirSync(running.dataDir, { withFileTypes: true }).filter(
      (f) => f.isFile() && readFileSync(join(running.dataDir, f.name), 'latin1').includes('PRIVATE KEY-----'),
    );
    expect(pemKeys.map((f) => f.name)).toEqual(['tls.key']);
    expect(ca.checkPrivateKey(createPrivateKey(readFileSync(join(running.dataDir, 'tls.key'))))).toBe(false);

    const res = await running.fetch(`${running.baseUrl}/healthz`);
    expect(res.status).toBe(200);
    expect(await res.json()).toEqual({ status: 'ok' });
    expect(await servedFingerprint(portOf(running), running.ca!)).toBe(cert.fingerprint256);
  });

  it('is refused by a client that does not trust that certificate', async () => {
    await expect(caFetch([])(`${running.baseUrl}/healthz`)).rejects.toThrow(/self[- ]signed|unable to (get|verify)/i);
    await expect(fetch(`${running.baseUrl}/healthz`)).rejects.toThrow(); // the system's CAs do not know it either
  });

  it('gives no API answer to plain HTTP on its port', async () => {
    await expect(fetch(running.baseUrl.replace('https:', 'http:') + '/healthz')).rejects.toThrow();
    expect(await plainHttpAnswer(portOf(running))).not.toMatch(/^HTTP\/1\.[01] 2/);
  });

  it('serves the same certificate after a restart, and makes no new one', async () => {
    const before = await servedFingerprint(portOf(running), running.ca!);
    await running.close();
    running = await startApp({ FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' }, { dataDir: running.dataDir });
    expect(await servedFingerprint(portOf(running), running.ca!)).toBe(before);
    expect(running.logs.some((l) => l.includes('made a self-signed TLS certificate'))).toBe(false);
    expect((await running.fetch(`${running.baseUrl}/readyz`)).status).toBe(200);
  });
});

describe('certFile and keyFile', () => {
  let dir: string;
  let ca: CertificateFiles;
  let caPem: string;
  let serial = 0;
  /** a fresh serving pair for 127.0.0.1, signed by the test CA */
  const issue = () => issueCertificate(dir, ca, `leaf-${++serial}`, { commonName: `flotilla-${serial}`, ipAddresses: ['127.0.0.1'] });

  beforeAll(() => {
    dir = mkdtempSync(join(tmpdir(), 'flotilla-tls-'));
    ca = createCertificateAuthority(dir, 'ca');
    caPem = readFileSync(ca.cert, 'utf8');
  });
  afterAll(() => rmSync(dir, { recursive: true, force: true }));

  describe('files written in place', () => {
    let running: RunningApp;
    let live: string;
    beforeAll(async () => {
      live = join(dir, 'live');
      mkdirSync(live);
      const first = issue();
      writeFileSync(join(live, 'tls.crt'), first.certPem);
      writeFileSync(join(live, 'tls.key'), first.keyPem, { mode: 0o600 });
      running = await startApp({ FLOTILLA_SERVER__TLS__CERT_FILE: join(live, 'tls.crt'), FLOTILLA_SERVER__TLS__KEY_FILE: join(live, 'tls.key') }, { caFile: ca.cert });
    });
    afterAll(() => running?.close());

    it('serves them', async () => {
      expect(await servedFingerprint(portOf(running), caPem)).toBe(fingerprintOf(readFileSync(join(live, 'tls.crt'))));
      const res = await running.fetch(`${running.baseUrl}/api/v1/clusters`);
      expect(res.status).toBe(401); // the API behind it, answering
    });

    it('serves a certificate replaced on disk to new connections, without a restart', async () => {
      const next = issue();
      writeFileSync(join(live, 'tls.key'), next.keyPem);
      writeFileSync(join(live, 'tls.crt'), next.certPem);
      await eventually(
        'the served certificate',
        () => servedFingerprint(portOf(running), caPem),
        (fp) => fp === fingerprintOf(next.certPem),
      );
      expect(running.logs.some((l) => l.includes('TLS certificate reloaded') && l.includes(fingerprintOf(next.certPem)))).toBe(true);
      expect((await running.fetch(`${running.baseUrl}/healthz`)).status).toBe(200);
    });

    it('keeps serving the previous certificate when the replacement is not a valid pair, says why once, and takes the next good one', async () => {
      const served = await servedFingerprint(portOf(running), caPem);
      const other = issue();
      writeFileSync(join(live, 'tls.crt'), other.certPem); // with the old key: not a pair
      const refusal = await eventually(
        'a log line saying the certificate was not reloaded',
        async () => running.logs.filter((l) => l.includes('TLS certificate not reloaded')),
        (lines) => lines.length > 0,
      );
      expect(refusal[0]).toContain(`${join(live, 'tls.key')} is not the key of the certificate in ${join(live, 'tls.crt')}`);
      expect(JSON.parse(refusal[0]).level).toBe('warn');
      expect(await servedFingerprint(portOf(running), caPem)).toBe(served);
      expect((await running.fetch(`${running.baseUrl}/healthz`)).status).toBe(200);

      writeFileSync(join(live, 'tls.crt'), 'not a certificate\n');
      await eventually(
        'a second refusal',
        async () => running.logs.filter((l) => l.includes('TLS certificate not reloaded')).length,
        (n) => n === 2,
      );
      expect(running.logs.filter((l) => l.includes('TLS certificate not reloaded'))[1]).toContain(`${join(live, 'tls.crt')} holds no PEM certificate`);
      expect(await servedFingerprint(portOf(running), caPem)).toBe(served);

      writeFileSync(join(live, 'tls.key'), other.keyPem);
      writeFileSync(join(live, 'tls.crt'), other.certPem);
      await eventually(
        'the served certificate',
        () => servedFingerprint(portOf(running), caPem),
        (fp) => fp === fingerprintOf(other.certPem),
      );
      expect(running.logs.filter((l) => l.includes('TLS certificate not reloaded'))).toHaveLength(2); // each bad state logged once
    });
  });

  it('follows a mounted Kubernetes Secret, whose update swaps a directory symlink', async () => {
    // the kubelet's layout: tls.crt -> ..data/tls.crt, ..data -> ..<timestamp>/, swapped by rename
    const mount = join(dir, 'secret-volume');
    const version = (name: string, pair: { certPem: string; keyPem: string }) => {
      mkdirSync(join(mount, name));
      writeFileSync(join(mount, name, 'tls.crt'), pair.certPem);
      writeFileSync(join(mount, name, 'tls.key'), pair.keyPem);
    };
    mkdirSync(mount);
    const first = issue();
    version('..2026_01', first);
    symlinkSync('..2026_01', join(mount, '..data'));
    symlinkSync('..data/tls.crt', join(mount, 'tls.crt'));
    symlinkSync('..data/tls.key', join(mount, 'tls.key'));
    const running = await startApp({ FLOTILLA_SERVER__TLS__CERT_FILE: join(mount, 'tls.crt'), FLOTILLA_SERVER__TLS__KEY_FILE: join(mount, 'tls.key') }, { caFile: ca.cert });
    try {
      expect(await servedFingerprint(portOf(running), caPem)).toBe(fingerprintOf(first.certPem));
      const rotated = issue();
      version('..2026_02', rotated);
      symlinkSync('..2026_02', join(mount, '..data_tmp'));
      renameSync(join(mount, '..data_tmp'), join(mount, '..data'));
      rmSync(join(mount, '..2026_01'), { recursive: true });
      await eventually(
        'the served certificate',
        () => servedFingerprint(portOf(running), caPem),
        (fp) => fp === fingerprintOf(rotated.certPem),
      );
    } finally {
      await running.close();
    }
  });

  describe('a bad certificate or key stops start-up with a message naming the file', () => {
    const failure = async (files: { cert: string; key: string }) => {
      const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-app-'));
      try {
        await startApp({ FLOTILLA_SERVER__TLS__CERT_FILE: files.cert, FLOTILLA_SERVER__TLS__KEY_FILE: files.key }, { dataDir });
      } catch (e) {
        expect(existsSync(join(dataDir, 'flotilla.sqlite'))).toBe(false); // nothing started before the check
        return e as Error;
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
      throw new Error('the service started');
    };
    let good: { certPem: string; keyPem: string; files: CertificateFiles };
    beforeAll(() => {
      good = issue();
    });

    it('a file that is not there', async () => {
      const e = await failure({ cert: join(dir, 'missing.crt'), key: good.files.key });
      expect(e).toBeInstanceOf(ConfigError);
      expect(e.message).toBe(`invalid configuration:\n  - server.tls.certFile: ${join(dir, 'missing.crt')} does not exist`);
    });

    it('a certificate file without a certificate', async () => {
      writeFileSync(join(dir, 'garbage.crt'), 'hello\n');
      expect((await failure({ cert: join(dir, 'garbage.crt'), key: good.files.key })).message).toContain(
        `server.tls.certFile: ${join(dir, 'garbage.crt')} holds no PEM certificate`,
      );
      writeFileSync(join(dir, 'broken.crt'), '-----BEGIN CERTIFICATE-----\nAAAA\n-----END CERTIFICATE-----\n');
      expect((await failure({ cert: join(dir, 'broken.crt'), key: good.files.key })).message).toContain(
        `server.tls.certFile: ${join(dir, 'broken.crt')}: the certificate is not a valid X.509 certificate`,
      );
    });

    it('a key file without a key, never quoting it', async () => {
      writeFileSync(join(dir, 'garbage.key'), '-----BEGIN PRIVATE KEY-----\nc2VjcmV0LWtleS1tYXRlcmlhbA==\n-----END PRIVATE KEY-----\n');
      const e = await failure({ cert: good.files.cert, key: join(dir, 'garbage.key') });
      expect(e.message).toContain(`server.tls.keyFile: ${join(dir, 'garbage.key')} is not a valid PEM private key`);
      expect(e.message).not.toContain('c2VjcmV0');
    });

    it('the key of another certificate', async () => {
      const other = issue();
      expect((await failure({ cert: good.files.cert, key: other.files.key })).message).toContain(
        `server.tls.keyFile: ${other.files.key} is not the key of the certificate in ${good.files.cert}`,
      );
    });

    it('an expired certificate', async () => {
      const expired = await selfSignedPem(new Date(Date.now() - 10 * 86_400_000), new Date(Date.now() - 86_400_000));
      writeFileSync(join(dir, 'expired.crt'), expired.cert);
      writeFileSync(join(dir, 'expired.key'), expired.key);
      expect((await failure({ cert: join(dir, 'expired.crt'), key: join(dir, 'expired.key') })).message).toMatch(
        new RegExp(`server\\.tls\\.certFile: the certificate in ${join(dir, 'expired.crt')} expired on \\d{4}-\\d\\d-\\d\\dT`),
      );
    });

    it('a self-signed set in the data directory that is not a set any more (kept, not replaced)', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-app-'));
      try {
        const first = await startApp({ FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' }, { dataDir });
        await first.close();
        const own = { ca: readFileSync(join(dataDir, 'tls-ca.crt')), cert: readFileSync(join(dataDir, 'tls.crt')), key: readFileSync(join(dataDir, 'tls.key')) };

        copyFileSync(good.files.key, join(dataDir, 'tls.key'));
        await expect(startApp({ FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' }, { dataDir })).rejects.toThrow(
          `server.tls.selfSigned: ${join(dataDir, 'tls.key')} is not the key of the certificate in ${join(dataDir, 'tls.crt')}`,
        );
        expect(readFileSync(join(dataDir, 'tls.key'), 'utf8')).toBe(good.keyPem);

        writeFileSync(join(dataDir, 'tls.key'), own.key);
        copyFileSync(ca.cert, join(dataDir, 'tls-ca.crt'));
        await expect(startApp({ FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' }, { dataDir })).rejects.toThrow(
          `server.tls.selfSigned: the certificate in ${join(dataDir, 'tls.crt')} was not signed by ${join(dataDir, 'tls-ca.crt')}; delete`,
        );
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('a self-signed set with a file missing is made anew', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-app-'));
      try {
        const first = await startApp({ FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' }, { dataDir });
        await first.close();
        const before = fingerprintOf(readFileSync(join(dataDir, 'tls.crt')));
        rmSync(join(dataDir, 'tls-ca.crt'));
        const second = await startApp({ FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' }, { dataDir });
        try {
          expect(await servedFingerprint(portOf(second), second.ca!)).not.toBe(before);
          expect(second.logs.some((l) => l.includes('part of the self-signed TLS set is missing'))).toBe(true);
        } finally {
          await second.close();
        }
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });

    it('the service process exits 78 (a configuration error) and says which file', async () => {
      const dataDir = mkdtempSync(join(tmpdir(), 'flotilla-proc-'));
      writeFileSync(join(dir, 'garbage.crt'), 'hello\n');
      try {
        const started = ServiceProcess.start({ dataDir, env: { FLOTILLA_SERVER__TLS__CERT_FILE: join(dir, 'garbage.crt'), FLOTILLA_SERVER__TLS__KEY_FILE: good.files.key } });
        await expect(started).rejects.toThrow(/exited \(78\)/);
        await expect(started).rejects.toThrow(`flotilla: invalid configuration:\n  - server.tls.certFile: ${join(dir, 'garbage.crt')} holds no PEM certificate`);
      } finally {
        rmSync(dataDir, { recursive: true, force: true });
      }
    });
  });
});

// A request whose line and headers are longer than Node's HTTP parser reads (http.maxHeaderSize,
// 16 KiB unless --max-http-header-size says otherwise) — a 70,000-character selector, say — gets
// an HTTP answer it can read: 431 with a JSON body naming the limit, the connection closed after
// it. Not a reset, not a bare status line. Over plain HTTP and over Flotilla's own TLS.
import { execFile, execFileSync } from 'node:child_process';
import { maxHeaderSize } from 'node:http';
import { connect as netConnect } from 'node:net';
import { join } from 'node:path';
import { connect as tlsConnect } from 'node:tls';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { SELF_SIGNED_CA_FILE } from '../../src/common/http/self-signed';
import { RunningApp, startApp } from '../support/app';

const hasCurl = (() => {
  try {
    execFileSync('curl', ['--version'], { stdio: 'ignore' });
    return true;
  } catch {
    return false;
  }
})();

const ADMIN = 'long-head-admin-token-0123456789';

interface RawAnswer {
  status: number;
  headers: Record<string, string>;
  body: string;
}

/**
 * Sends `head` as raw bytes, 8 KiB at a time as a client on a real network does (curl, say: the
 * server has its answer before the client is done sending), and reads until the server closes.
 * Fails on a reset.
 */
function rawRequest(running: RunningApp, head: string): Promise<RawAnswer> {
  const url = new URL(running.baseUrl);
  return new Promise((resolve, reject) => {
    const socket =
      url.protocol === 'https:' ? tlsConnect({ host: url.hostname, port: Number(url.port), ca: running.ca, servername: 'localhost' }) : netConnect(Number(url.port), url.hostname);
    const chunks: Buffer[] = [];
    socket.on('data', (c: Buffer) => chunks.push(c));
    socket.on('error', (err) => reject(new Error(`${err.message} after reading ${JSON.stringify(Buffer.concat(chunks).toString().slice(0, 200))}`)));
    socket.on('close', () => {
      const text = Buffer.concat(chunks).toString('utf8');
      const [top, ...rest] = text.split('\r\n\r\n');
      const [statusLine, ...lines] = top.split('\r\n');
      const headers = Object.fromEntries(lines.map((l) => [l.slice(0, l.indexOf(':')).toLowerCase(), l.slice(l.indexOf(':') + 1).trim()]));
      resolve({ status: Number(/^HTTP\/1\.1 (\d{3})/.exec(statusLine)?.[1] ?? 0), headers, body: rest.join('\r\n\r\n') });
    });
    const bytes = Buffer.from(head);
    const send = (at: number) => {
      if (at >= bytes.length || socket.destroyed) return;
      socket.write(bytes.subarray(at, at + 8192), () => setTimeout(() => send(at + 8192), 2));
    };
    socket.once(url.protocol === 'https:' ? 'secureConnect' : 'connect', () => send(0));
  });
}

const selectorRequest = (selectorLength: number, extra = '') =>
  `GET /api/v1/applications?selector=${'a'.repeat(selectorLength)} HTTP/1.1\r\nHost: localhost\r\nAuthorization: Bearer ${ADMIN}\r\n${extra}\r\n`;

function expectHeadTooLarge(answer: RawAnswer): void {
  expect(answer.status).toBe(431);
  expect(answer.headers['content-type']).toMatch(/^application\/json/);
  expect(answer.headers.connection).toBe('close');
  expect(answer.headers['cache-control']).toBe('no-store');
  expect(Number(answer.headers['content-length'])).toBe(Buffer.byteLength(answer.body));
  const body = JSON.parse(answer.body);
  expect(body).toMatchObject({ statusCode: 431, error: 'Request Header Fields Too Large' });
  expect(body.message).toContain(`${maxHeaderSize} bytes`);
}

describe.each([
  ['plain HTTP', {}],
  ['HTTPS', { FLOTILLA_SERVER__TLS__SELF_SIGNED: 'true' }],
])('a request head too long for the server, over %s', (_name, env: Record<string, string>) => {
  let running: RunningApp;
  beforeAll(async () => {
    running = await startApp({ FLOTILLA_ADMIN_TOKEN: ADMIN, ...env });
  });
  afterAll(() => running?.close());

  it('a 70,000-character selector gets 431 with a JSON body naming the limit, not a reset', async () => {
    expectHeadTooLarge(await rawRequest(running, selectorRequest(70_000)));
  });

  it('so do long headers, and a URL of a megabyte', async () => {
    expectHeadTooLarge(await rawRequest(running, selectorRequest(10, `X-Padding: ${'p'.repeat(40_000)}\r\n`)));
    expectHeadTooLarge(await rawRequest(running, selectorRequest(1_000_000)));
  });

  // curl still sends when the answer comes: where Node's own handling destroyed the socket with the
  // rest of the request unread, curl got "(56) Recv failure: Connection reset by peer"
  it.skipIf(!hasCurl)('curl reads it too, without a reset', async () => {
    const url = `${running.baseUrl}/api/v1/applications?selector=${'a'.repeat(70_000)}`;
    const tls = url.startsWith('https:') ? ['--cacert', join(running.dataDir, SELF_SIGNED_CA_FILE)] : [];
    const { code, stdout, stderr } = await new Promise<{ code: number; stdout: string; stderr: string }>((resolve) =>
      execFile('curl', ['-sS', '-m', '20', '-H', `Authorization: Bearer ${ADMIN}`, '-w', '\n%{http_code}', ...tls, url], (err, stdout, stderr) =>
        resolve({ code: typeof err?.code === 'number' ? err.code : 0, stdout, stderr }),
      ),
    );
    expect(stderr.trim(), 'curl says nothing went wrong').toBe('');
    expect(code).toBe(0);
    const [body, status] = stdout.split('\n');
    expect(status).toBe('431');
    expect(JSON.parse(body)).toMatchObject({ statusCode: 431, error: 'Request Header Fields Too Large' });
  });

  it('a fetch client reads the same answer', async () => {
    const res = await running.fetch(`${running.baseUrl}/api/v1/applications?selector=${'a'.repeat(70_000)}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(431);
    expect(await res.json()).toMatchObject({ statusCode: 431, error: 'Request Header Fields Too Large' });
  });

  it('a malformed request gets a JSON 400; a selector under the limit is judged by the API, and the server serves on', async () => {
    const malformed = await rawRequest(running, 'GET /healthz HTTP/1.1\r\nHost: localhost\r\nBad Header\r\n\r\n');
    expect(malformed.status).toBe(400);
    expect(JSON.parse(malformed.body)).toMatchObject({ statusCode: 400, error: 'Bad Request' });
    const res = await running.fetch(`${running.baseUrl}/api/v1/applications?selector=${'a'.repeat(10_000)}`, { headers: { authorization: `Bearer ${ADMIN}` } });
    expect(res.status).toBe(400); // a label selector of 10,000 characters is not a valid one
    expect((await running.fetch(`${running.baseUrl}/healthz`)).status).toBe(200);
  });
});

// WebhookSender against a real local receiver that verifies signatures with the standardwebhooks
// package; the SSRF guard at create time and at connect.
import { once } from 'node:events';
import { mkdtemp, rm } from 'node:fs/promises';
import { createServer as createHttpsServer } from 'node:https';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { AddressRefusedError, checkWebhookUrl, type Resolver } from '../../src/channels/senders/address-guard';
import { DeliveryError } from '../../src/channels/senders/delivery-error';
import { WebhookSender, type WebhookDelivery } from '../../src/channels/senders/webhook';
import { freePort } from '../support/ports';
import { WebhookReceiver } from '../support/webhook-receiver';
import { createCertificateAuthority, issueCertificate } from '../testbed/pki';

const SECRET = 'a plain secret – not whsec_ ✓';
const data = { application: 'shop', cluster: 'east', namespace: 'default', counts: { created: 1, configured: 2 } };

function delivery(url: string, over: Partial<WebhookDelivery> = {}): WebhookDelivery {
  return {
    id: 'dlv_01HZX3K9Q2',
    url,
    secret: SECRET,
    timeoutSeconds: 5,
    event: { type: 'io.flotilla.sync.presync', subject: 'shop/east/default', time: new Date('2026-01-02T03:04:05.678Z'), data },
    ...over,
  };
}

async function failure(promise: Promise<unknown>): Promise<DeliveryError> {
  try {
    await promise;
  } catch (err) {
    expect(err).toBeInstanceOf(DeliveryError);
    const e = err as DeliveryError;
    expect(`${e.message} ${JSON.stringify(e)}`).not.toContain(SECRET);
    return e;
  }
  throw new Error('expected a DeliveryError');
}

/** A resolver that answers every name with `addresses` and counts its calls. */
function fakeDns(...addresses: string[]): Resolver & { calls: string[] } {
  const calls: string[] = [];
  const resolve = ((host, _options, callback) => {
    calls.push(host);
    callback(
      null,
      addresses.map((address) => ({ address, family: address.includes(':') ? 6 : 4 })),
    );
  }) as Resolver & { calls: string[] };
  resolve.calls = calls;
  return resolve;
}

describe('WebhookSender', () => {
  let receiver: WebhookReceiver;
  const sender = new WebhookSender({ allowPrivateNetworks: true });

  beforeAll(async () => {
    receiver = await WebhookReceiver.start({ secret: SECRET });
  });
  afterAll(() => receiver?.close());
  afterEach(() => {
    receiver.requests.splice(0);
    receiver.always({ status: 200, body: 'ok' });
  });

  it('POSTs a structured-mode CloudEvent that the receiver verifies with standardwebhooks', async () => {
    const answer = await sender.send(delivery(receiver.url));
    expect(answer).toEqual({ status: 200, body: 'ok' });
    const [req] = receiver.requests;
    expect(req.method).toBe('POST');
    expect(req.path).toBe('/hook');
    expect(req.verified).toBe(true);
    expect(req.headers['content-type']).toBe('application/cloudevents+json; charset=utf-8');
    expect(req.headers['webhook-id']).toBe('dlv_01HZX3K9Q2');
    expect(req.headers['webhook-signature']).toMatch(/^v1,[A-Za-z0-9+/]{43}=$/);
    expect(Math.abs(Number(req.headers['webhook-timestamp']) - Date.now() / 1000)).toBeLessThan(10);
    expect(req.event).toEqual({
      specversion: '1.0',
      id: 'dlv_01HZX3K9Q2',
      source: 'flotilla',
      type: 'io.flotilla.sync.presync',
      subject: 'shop/east/default',
      time: '2026-01-02T03:04:05.678Z',
      datacontenttype: 'application/json',
      data,
    });
  });

  it('sends the same id on every attempt, so receivers can drop duplicates', async () => {
    receiver.respond({ status: 500 }, { status: 500 });
    for (let i = 0; i < 2; i++) expect(await failure(sender.send(delivery(receiver.url)))).toMatchObject({ retryable: true, status: 500 });
    await sender.send(delivery(receiver.url));
    expect(receiver.requests.map((r) => [r.headers['webhook-id'], r.event?.id, r.verified, r.status])).toEqual([
      ['dlv_01HZX3K9Q2', 'dlv_01HZX3K9Q2', true, 500],
      ['dlv_01HZX3K9Q2', 'dlv_01HZX3K9Q2', true, 500],
      ['dlv_01HZX3K9Q2', 'dlv_01HZX3K9Q2', true, 200],
    ]);
  });

  it('a whsec_ secret signs as the standard says', async () => {
    const whsec = `whsec_${Buffer.from('k'.repeat(32)).toString('base64')}`;
    const strictReceiver = await WebhookReceiver.start({ secret: whsec });
    try {
      await sender.send(delivery(strictReceiver.url, { secret: whsec }));
      await sender.send(delivery(strictReceiver.url, { secret: 'some other secret' }));
      expect(strictReceiver.requests.map((r) => r.verified)).toEqual([true, false]);
    } finally {
      await strictReceiver.close();
    }
  });

  it('sends custom headers, which cannot override the signature, id or content type', async () => {
    const headers = {
      'X-Team': 'platform',
      Authorization: 'Bearer receiver-token',
      'User-Agent': 'custom-agent',
      'Webhook-Signature': 'v1,forged',
      'webhook-id': 'forged-id',
      'Content-Type': 'text/plain',
      'ce-type': 'forged',
    };
    await sender.send(delivery(receiver.url, { headers }));
    const [req] = receiver.requests;
    expect(req.headers).toMatchObject({
      'x-team': 'platform',
      authorization: 'Bearer receiver-token',
      'user-agent': 'custom-agent',
      'webhook-id': 'dlv_01HZX3K9Q2',
      'content-type': 'application/cloudevents+json; charset=utf-8',
    });
    expect(req.headers['webhook-signature']).not.toContain('forged');
    expect(req.headers).not.toHaveProperty('ce-type');
    expect(req.verified).toBe(true);
  });

  it('without a secret: no signature, still an id and a timestamp', async () => {
    await sender.send(delivery(receiver.url, { secret: undefined }));
    const [req] = receiver.requests;
    expect(req.headers).not.toHaveProperty('webhook-signature');
    expect(req.headers['webhook-id']).toBe('dlv_01HZX3K9Q2');
    expect(req.headers['webhook-timestamp']).toMatch(/^\d+$/);
  });

  it('does not follow a redirect: a 302 is a failure that no retry can fix', async () => {
    receiver.respond({ redirect: receiver.urlFor('/elsewhere'), status: 302 });
    const err = await failure(sender.send(delivery(receiver.url)));
    expect(err).toMatchObject({ retryable: false, failure: 'redirect', status: 302 });
    await new Promise((r) => setTimeout(r, 200));
    expect(receiver.requests.map((r) => r.path)).toEqual(['/hook']);
  });

  it('5xx, 408 and 429 are retryable; other 4xx are not; the answer body is kept up to 500 bytes', async () => {
    receiver.respond({ status: 503, body: 'maintenance', headers: { 'retry-after': '30' } });
    expect(await failure(sender.send(delivery(receiver.url)))).toMatchObject({ retryable: true, status: 503, retryAfterSeconds: 30, body: 'maintenance' });

    receiver.respond({ status: 403, body: 'change freeze until Monday' });
    const forbidden = await failure(sender.send(delivery(receiver.url)));
    expect(forbidden).toMatchObject({ retryable: false, status: 403, failure: 'http', body: 'change freeze until Monday' });
    expect(forbidden.message).toBe('webhook receiver at http://127.0.0.1:' + receiver.port + ' answered 403: change freeze until Monday');

    receiver.respond({ status: 408 });
    expect(await failure(sender.send(delivery(receiver.url)))).toMatchObject({ retryable: true, status: 408 });

    receiver.respond({ status: 429, headers: { 'retry-after': '2' } });
    expect(await failure(sender.send(delivery(receiver.url)))).toMatchObject({ retryable: true, status: 429, retryAfterSeconds: 2, failure: 'rateLimited' });

    receiver.respond({ status: 422, body: 'é'.repeat(2000) });
    const long = await failure(sender.send(delivery(receiver.url)));
    expect(Buffer.byteLength(long.body!)).toBeLessThanOrEqual(500);
    expect(long.body!.startsWith('éééé')).toBe(true);

    receiver.respond({ status: 201, body: 'x'.repeat(10_000) });
    expect((await sender.send(delivery(receiver.url))).body).toBe('x'.repeat(500));
  });

  it('a receiver that does not answer in time is a retryable timeout', async () => {
    receiver.respond({ hang: true });
    const started = Date.now();
    const err = await failure(sender.send(delivery(receiver.url, { timeoutSeconds: 1 })));
    expect(err).toMatchObject({ retryable: true, failure: 'timeout' });
    expect(err.message).toMatch(/did not answer within 1s/);
    expect(Date.now() - started).toBeGreaterThanOrEqual(900);
    expect(Date.now() - started).toBeLessThan(3000);
  });

  it('nobody listening is a retryable network failure', async () => {
    const err = await failure(sender.send(delivery(`http://127.0.0.1:${await freePort()}/hook`)));
    expect(err).toMatchObject({ retryable: true, failure: 'network' });
    expect(err.message).toMatch(/ECONNREFUSED/);
  });

  it('never puts the URL path or query (which may hold credentials) in a message', async () => {
    receiver.respond({ status: 500 });
    const err = await failure(sender.send(delivery(`${receiver.url}/T000/B000/XXXXsecretpath?token=abc123`)));
    expect(err.message).not.toMatch(/secretpath|abc123/);
  });
});

describe('SSRF guard', () => {
  let receiver: WebhookReceiver;
  beforeAll(async () => {
    receiver = await WebhookReceiver.start({ secret: SECRET });
  });
  afterAll(() => receiver?.close());

  it('refuses 169.254.169.254 at create time, even with private networks allowed', () => {
    expect(() => checkWebhookUrl('http://169.254.169.254/latest/meta-data/iam/', { allowPrivateNetworks: true })).toThrow(AddressRefusedError);
    expect(() => checkWebhookUrl('http://169.254.169.254/latest/meta-data/iam/', { allowPrivateNetworks: true })).toThrow(/cloud metadata address, which is never allowed/);
  });

  it('refuses 169.254.169.254 at send time, by literal and by a name that resolves to it', async () => {
    const dns = fakeDns('169.254.169.254');
    const sender = new WebhookSender({ allowPrivateNetworks: true, resolve: dns });
    for (const url of ['http://169.254.169.254/latest/meta-data/', 'http://[::ffff:a9fe:a9fe]/', 'http://hooks.example.test/hook']) {
      const err = await failure(sender.send(delivery(url)));
      expect(err).toMatchObject({ retryable: false, failure: 'address' });
      expect(err.message).toMatch(/169\.254\.169\.254\)?,? (is )?a cloud metadata address, which is never allowed/);
    }
    // the name was judged by what it resolved to, at connect
    expect(dns.calls).toEqual(['hooks.example.test']);
  });

  it('refuses a name resolving to loopback unless private networks are allowed; then it connects', async () => {
    const url = `http://localhost:${receiver.port}/hook`;
    const strict = new WebhookSender({ allowPrivateNetworks: false });
    const err = await failure(strict.send(delivery(url)));
    expect(err).toMatchObject({ retryable: false, failure: 'address' });
    expect(err.message).toMatch(/^webhook address refused: localhost resolves to (127\.0\.0\.1|::1), a loopback address; .*hooks\.allowPrivateNetworks$/);
    expect(receiver.requests).toHaveLength(0);

    const lenient = new WebhookSender({ allowPrivateNetworks: true });
    await lenient.send(delivery(url));
    expect(receiver.requests).toHaveLength(1);
    expect(receiver.requests[0].verified).toBe(true);
  });

  it('refuses a loopback literal at send time when private networks are not allowed', async () => {
    const err = await failure(new WebhookSender({ allowPrivateNetworks: false }).send(delivery(receiver.url)));
    expect(err).toMatchObject({ retryable: false, failure: 'address' });
    expect(receiver.requests).toHaveLength(1);
  });

  it('connects only to the allowed addresses of a name that also resolves to a metadata address', async () => {
    const sender = new WebhookSender({ allowPrivateNetworks: true, resolve: fakeDns('169.254.169.254', '127.0.0.1') });
    await sender.send(delivery(`http://rebind.example.test:${receiver.port}/hook`));
    expect(receiver.requests).toHaveLength(2);
    expect(receiver.requests[1].headers.host).toBe(`rebind.example.test:${receiver.port}`);
  });

  it('refuses non-http schemes and credentials in the URL at send time too', async () => {
    const sender = new WebhookSender({ allowPrivateNetworks: true });
    expect(await failure(sender.send(delivery('ftp://127.0.0.1/hook')))).toMatchObject({ retryable: false, failure: 'invalid' });
    const err = await failure(sender.send(delivery(`http://user:pw@127.0.0.1:${receiver.port}/hook`)));
    expect(err).toMatchObject({ retryable: false, failure: 'invalid' });
    expect(err.message).not.toContain('pw@');
  });
});

describe('WebhookSender over https', () => {
  it('checks the receiver certificate (no trust in an unknown CA) and guards the address at connect', async () => {
    const dir = await mkdtemp(join(tmpdir(), 'flotilla-webhook-tls-'));
    const ca = createCertificateAuthority(dir, 'unknown-ca');
    const leaf = issueCertificate(dir, ca, 'receiver', { commonName: 'localhost', dnsNames: ['localhost'], ipAddresses: ['127.0.0.1'] });
    const arrived: string[] = [];
    const server = createHttpsServer({ cert: leaf.certPem, key: leaf.keyPem }, (req, res) => {
      arrived.push(req.url ?? '');
      res.writeHead(204).end();
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    try {
      const url = `https://localhost:${(server.address() as AddressInfo).port}/hook`;
      const err = await failure(new WebhookSender({ allowPrivateNetworks: true }).send(delivery(url)));
      expect(err).toMatchObject({ retryable: true, failure: 'network' });
      expect(err.message).toMatch(/UNABLE_TO_VERIFY_LEAF_SIGNATURE|SELF_SIGNED|unable to verify/i);
      expect(await failure(new WebhookSender({ allowPrivateNetworks: false }).send(delivery(url)))).toMatchObject({ retryable: false, failure: 'address' });
      expect(arrived).toEqual([]);
    } finally {
      server.closeAllConnections();
      await new Promise((r) => server.close(r));
      await rm(dir, { recursive: true, force: true });
    }
  });
});

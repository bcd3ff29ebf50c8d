// `node dist/src/healthcheck.js`: exits 0 when the service on this machine answers GET /healthz
// with 200, 1 otherwise — the Docker image's HEALTHCHECK. It reads the same configuration as the
// service (config files and FLOTILLA_* variables), so it asks over HTTPS when server.tls is on and
// on the port the service listens on. A liveness probe over loopback sends nothing secret, so the
// certificate is not checked (a self-signed or internal CA is not in a container's trust store).
import { get as httpGet } from 'node:http';
import { get as httpsGet } from 'node:https';
import { servesHttps } from './common/http/tls';
import { ConfigError, loadConfig } from './config/app-config';

/** where a client on this machine reaches a service listening on `host` */
export function loopbackFor(host: string): string {
  if (host === '0.0.0.0' || host === '') return '127.0.0.1';
  if (host === '::') return '::1';
  return host;
}

export function healthUrl(env: NodeJS.ProcessEnv = process.env): URL {
  const config = loadConfig({ env });
  const host = loopbackFor(config.server.host);
  return new URL(`${servesHttps(config) ? 'https' : 'http'}://${host.includes(':') ? `[${host}]` : host}:${config.server.port}/healthz`);
}

export function probe(url: URL, timeoutMs = 3_000): Promise<boolean> {
  return new Promise((resolve) => {
    const request = (url.protocol === 'https:' ? httpsGet : httpGet)(url, { timeout: timeoutMs, rejectUnauthorized: false }, (res) => {
      res.resume();
      resolve(res.statusCode === 200);
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(false));
  });
}

if (require.main === module) {
  let url: URL;
  try {
    url = healthUrl();
  } catch (e) {
    process.stderr.write(`flotilla healthcheck: ${e instanceof ConfigError ? e.message : String(e)}\n`);
    process.exit(1);
  }
  void probe(url).then((healthy) => {
    if (!healthy) process.stderr.write(`flotilla healthcheck: ${url.href} did not answer 200\n`);
    process.exit(healthy ? 0 : 1);
  });
}

// What Flotilla serves HTTPS with: server.tls's certificate and key files, or the self-signed pair
// it keeps in the data directory.
import type { Logger } from 'pino';
import { AppConfig, ConfigError } from '../../config/app-config';
import { checkPair, describe, readPair, type ServingPair } from './certificate-pair';
import { ensureSelfSignedPair } from './self-signed';

export interface ServingTls extends ServingPair {
  certFile: string;
  keyFile: string;
  /** true: Flotilla's own pair in the data directory; false: server.tls's files, watched for changes */
  selfSigned: boolean;
  /** selfSigned: the CA certificate clients trust */
  caFile?: string;
}

/** Whether server.tls asks for HTTPS (the config loader has checked that it is complete). */
export function servesHttps(config: AppConfig): boolean {
  return config.server.tls.selfSigned || config.server.tls.certFile !== null;
}

/** A certificate this close to its end is logged as a warning at start and on every reload. */
export const EXPIRY_WARNING_MS = 14 * 86_400_000;

/**
 * The TLS material for server.tls, or null for plain HTTP. Throws ConfigError (start-up stops,
 * exit 78) when a file is missing, unreadable, not PEM, expired, or the key is not the
 * certificate's.
 */
export async function loadServingTls(config: AppConfig, log: Logger): Promise<ServingTls | null> {
  const { tls } = config.server;
  let served: ServingTls;
  if (tls.selfSigned) {
    served = { ...(await ensureSelfSignedPair(config, log)), selfSigned: true };
  } else if (tls.certFile && tls.keyFile) {
    const labels = { cert: 'server.tls.certFile', key: 'server.tls.keyFile' };
    const result = checkPair(await readPair(tls.certFile, tls.keyFile, labels), tls.certFile, tls.keyFile, labels);
    if ('problem' in result) throw new ConfigError([result.problem]);
    served = { ...result, certFile: tls.certFile, keyFile: tls.keyFile, selfSigned: false };
  } else {
    return null;
  }
  log.info({ ...describe(served), ...(served.caFile ? { caFile: served.caFile } : {}) }, 'serving HTTPS');
  warnIfExpiring(served, log);
  return served;
}

export function warnIfExpiring(pair: ServingPair & { certFile: string }, log: Logger): void {
  const left = Date.parse(pair.leaf.validTo) - Date.now();
  if (left < EXPIRY_WARNING_MS) log.warn(describe(pair), `the TLS certificate expires in ${Math.max(0, Math.floor(left / 86_400_000))} days: replace ${pair.certFile}`);
}

// server.tls.certFile/keyFile are reloaded when they change, so a rotation (cert-manager, a mounted
// Kubernetes Secret, a renewal script) needs no restart: new connections get the new pair through
// server.setSecureContext, connections already open keep theirs.
//
// Rotations replace files in every way there is — written in place, renamed over, or (a mounted
// Secret) a directory symlink swapped beside them — and a watch on a file follows its old inode,
// which goes dead after a rename. So the directories holding the files are watched, any event in
// them leads (debounced) to a check, and a check compares the files' contents with what is
// served. A slow stat() poll backs the watches up where inotify says nothing (network file
// systems, a watched directory that was itself replaced). A pair that does not check — half of a
// rotation, a bad file — is logged once and the previous pair stays in use.
import { createHash } from 'node:crypto';
import { FSWatcher, watch } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { Server as HttpsServer } from 'node:https';
import { dirname } from 'node:path';
import type { Logger } from 'pino';
import type { Clock, Timer } from '../../shared/clock';
import { CoalescingRefresh } from '../../shared/coalescing-refresh';
import { secretsEqual } from '../../shared/secret-compare';
import { checkPair, describe, readPair, type ServingPair } from './certificate-pair';
import { warnIfExpiring } from './tls';

export interface ReloaderOptions {
  /** quiet time after the last file event before the files are read (a rotation writes two files) */
  debounceMs?: number;
  /** how often the files are stat()ed in case no event came */
  pollMs?: number;
}

const LABELS = { cert: 'server.tls.certFile', key: 'server.tls.keyFile' };

export class CertificateReloader {
  private readonly watchers = new Map<string, FSWatcher>();
  private readonly checks = new CoalescingRefresh<void>(() => this.check());
  private debounce?: Timer;
  private poll?: Timer;
  /** sha256 of the served files' contents, and of the last pair refused (so it is logged once) */
  private servedDigest: string;
  private refusedDigest?: string;
  /** the files' stat() stamp at the last poll */
  private fileStamp = '';
  private stopped = false;
  private readonly debounceMs: number;
  private readonly pollMs: number;

  constructor(
    private readonly server: HttpsServer,
    private readonly files: { certFile: string; keyFile: string },
    served: ServingPair,
    private readonly log: Logger,
    private readonly clock: Clock,
    options: ReloaderOptions = {},
  ) {
    this.servedDigest = digest(served.cert, served.key);
    this.debounceMs = options.debounceMs ?? 250;
    this.pollMs = options.pollMs ?? 10_000;
  }

  start(): void {
    for (const dir of new Set([dirname(this.files.certFile), dirname(this.files.keyFile)])) this.watchDirectory(dir);
    void this.stamp().then((s) => (this.fileStamp = s));
    this.armPoll();
  }

  stop(): void {
    this.stopped = true;
    this.debounce?.cancel();
    this.poll?.cancel();
    for (const w of this.watchers.values()) w.close();
    this.watchers.clear();
  }

  /** Reads both files and serves them if they changed and make a valid pair. */
  reload(): Promise<void> {
    return this.checks.trigger('pair');
  }

  private watchDirectory(dir: string): void {
    if (this.stopped || this.watchers.has(dir)) return;
    try {
      // persistent: false — the watch never keeps the process alive; stop() closes it anyway
      const watcher = watch(dir, { persistent: false }, () => this.soon());
      watcher.on('error', (e) => {
        // the directory itself went away (replaced): the poll re-creates the watch when it is back
        this.log.debug({ dir, err: e }, 'TLS directory watch ended');
        watcher.close();
        this.watchers.delete(dir);
        this.soon();
      });
      this.watchers.set(dir, watcher);
    } catch (e) {
      this.log.warn({ dir, err: e }, `cannot watch ${dir} for certificate changes; checking it every ${this.pollMs / 1000} s instead`);
    }
  }

  private soon(): void {
    if (this.stopped) return;
    this.debounce?.cancel();
    this.debounce = this.clock.after(this.debounceMs, () => void this.reload());
  }

  private armPoll(): void {
    // pollOnce reports its own failures and always re-arms: void is safe
    this.poll = this.clock.after(this.pollMs, () => void this.pollOnce());
  }

  private async pollOnce(): Promise<void> {
    if (this.stopped) return;
    try {
      for (const dir of new Set([dirname(this.files.certFile), dirname(this.files.keyFile)])) this.watchDirectory(dir);
      const now = await this.stamp();
      if (now !== this.fileStamp) {
        this.fileStamp = now;
        this.soon();
      }
    } catch (e) {
      this.log.warn({ err: e }, 'checking the TLS certificate files for changes failed; trying again at the next poll');
    }
    this.armPoll();
  }

  /** inode, size and mtime of both files, through symlinks: changes on any replacement */
  private async stamp(): Promise<string> {
    const parts = await Promise.all(
      [this.files.certFile, this.files.keyFile].map((f) =>
        stat(f).then(
          (s) => `${s.dev}:${s.ino}:${s.size}:${s.mtimeMs}`,
          (e: NodeJS.ErrnoException) => e.code ?? 'error',
        ),
      ),
    );
    return parts.join('|');
  }

  private async check(): Promise<void> {
    if (this.stopped) return;
    const { certFile, keyFile } = this.files;
    const read = await readPair(certFile, keyFile, LABELS);
    const seen = 'problem' in read ? `unreadable:${read.problem}` : digest(read.cert, read.key);
    // the digest covers the key file: compared as secrets are (src/shared/secret-compare.ts)
    if (secretsEqual(seen, this.servedDigest) || (this.refusedDigest !== undefined && secretsEqual(seen, this.refusedDigest))) return;
    const pair = checkPair(read, certFile, keyFile, LABELS);
    if ('problem' in pair) {
      this.refusedDigest = seen;
      this.log.warn({ certFile, keyFile, reason: pair.problem }, `TLS certificate not reloaded, still serving the previous one: ${pair.problem}`);
      return;
    }
    try {
      this.server.setSecureContext({ cert: pair.cert, key: pair.key });
    } catch (e) {
      this.refusedDigest = seen;
      this.log.warn({ certFile, keyFile, reason: (e as { reason?: string }).reason }, 'TLS certificate not reloaded, still serving the previous one: OpenSSL refused the pair');
      return;
    }
    this.servedDigest = seen;
    this.refusedDigest = undefined;
    this.log.info({ ...describe({ ...pair, certFile }), keyFile }, 'TLS certificate reloaded');
    warnIfExpiring({ ...pair, certFile }, this.log);
  }
}

function digest(cert: Buffer, key: Buffer): string {
  return createHash('sha256').update(cert).update('\0').update(key).digest('hex');
}

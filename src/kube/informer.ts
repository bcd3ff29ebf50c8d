// List + watch of one kind on one cluster, filtered by a label selector, kept in memory: the
// building block of the live cache. Lists once, then follows the watch stream from the list's
// resourceVersion (bookmarks keep it fresh), resumes after the server ends a stream, relists on
// 410 Gone, and reconnects with capped backoff after anything else. While it has not (re)listed
// successfully it is not `synced`, and nothing may be concluded from what it holds.
import type { Clock } from '../shared/clock';
import type { KubeClient, KubeObject, WatchEvent } from './client';
import { objectPath } from './client';
import type { ApiResource } from './discovery';
import { KubeApiError } from './errors';

export type InformerEvent = { type: 'ADDED' | 'MODIFIED' | 'DELETED'; object: KubeObject };

export interface InformerOptions {
  client: KubeClient;
  resource: ApiResource;
  labelSelector: string;
  clock: Clock;
  /** what to keep of each object (drop what nobody reads); default: as it came */
  trim?: (o: KubeObject) => KubeObject;
  /** every change after the first list, in order */
  onEvent?: (e: InformerEvent) => void;
  /** (re)starts and relists, for metrics */
  onRestart?: (why: 'relist' | 'reconnect') => void;
  backoffMs?: { min: number; max: number };
}

const key = (o: { metadata: { namespace?: string; name: string } }) => `${o.metadata.namespace ?? ''}/${o.metadata.name}`;

export class Informer {
  private readonly store = new Map<string, KubeObject>();
  private readonly abort = new AbortController();
  private resourceVersion = '';
  private running?: Promise<void>;
  private ready = false;
  private listed = false;
  private firstSync: Promise<void>;
  private markSynced!: () => void;
  /** why it is not synced, when it is not */
  lastError: string | null = null;

  constructor(private readonly o: InformerOptions) {
    this.firstSync = new Promise((r) => (this.markSynced = r));
  }

  get synced(): boolean {
    return this.ready;
  }

  get size(): number {
    return this.store.size;
  }

  start(): this {
    this.running ??= this.loop();
    return this;
  }

  /** Resolves at the first successful list (or never, if the cluster never answers: race it). */
  whenSynced(): Promise<void> {
    return this.firstSync;
  }

  get(namespace: string | undefined, name: string): KubeObject | undefined {
    return this.store.get(`${namespace ?? ''}/${name}`);
  }

  async stop(): Promise<void> {
    this.abort.abort();
    await this.running;
  }

  private async loop(): Promise<void> {
    const { min, max } = this.o.backoffMs ?? { min: 500, max: 30_000 };
    let delay = min;
    let relist = true;
    while (!this.abort.signal.aborted) {
      try {
        if (relist) {
          await this.list();
          relist = false;
          delay = min;
        }
        await this.o.client.watch(
          this.path(),
          { labelSelector: this.o.labelSelector, resourceVersion: this.resourceVersion, timeoutSeconds: '300' },
          (e) => this.apply(e),
          this.abort.signal,
        );
        // the server closed the stream (its timeout): follow on from where it ended
      } catch (e) {
        if (this.abort.signal.aborted) return;
        const gone = e instanceof KubeApiError && e.status === 410;
        this.ready = false;
        this.lastError = gone ? 'relisting: the watch fell too far behind' : (e as Error).message;
        relist = true;
        this.o.onRestart?.(gone ? 'relist' : 'reconnect');
        if (!gone) {
          await this.o.clock.sleep(delay, this.abort.signal).catch(() => undefined);
          delay = Math.min(max, delay * 2);
        }
      }
    }
  }

  private async list(): Promise<void> {
    const items: KubeObject[] = [];
    let token: string | undefined;
    let rv = '';
    do {
      const q = new URLSearchParams({ labelSelector: this.o.labelSelector, limit: '500', ...(token ? { continue: token } : {}) });
      const page = await this.o.client.request<{ items?: KubeObject[]; metadata?: { resourceVersion?: string; continue?: string } }>('GET', `${this.path()}?${q.toString()}`);
      items.push(...(page.items ?? []));
      token = page.metadata?.continue || undefined;
      rv = page.metadata?.resourceVersion ?? rv;
    } while (token && !this.abort.signal.aborted);
    const before = new Map(this.store);
    this.store.clear();
    const apiVersion = this.o.resource.group ? `${this.o.resource.group}/${this.o.resource.version}` : this.o.resource.version;
    for (const item of items) {
      const o = this.trim({ ...item, apiVersion, kind: this.o.resource.kind });
      this.store.set(key(o), o);
      const old = before.get(key(o));
      before.delete(key(o));
      // a relist after an outage: what changed meanwhile is reported like a watch event would have been
      if (this.listed) {
        if (!old) this.o.onEvent?.({ type: 'ADDED', object: o });
        else if (old.metadata.resourceVersion !== o.metadata.resourceVersion) this.o.onEvent?.({ type: 'MODIFIED', object: o });
      }
    }
    for (const gone of before.values()) this.o.onEvent?.({ type: 'DELETED', object: gone });
    this.listed = true;
    this.resourceVersion = rv;
    this.ready = true;
    this.lastError = null;
    this.markSynced();
  }

  private apply(e: WatchEvent): void {
    if (e.type === 'BOOKMARK') {
      this.resourceVersion = e.object.metadata?.resourceVersion ?? this.resourceVersion;
      return;
    }
    if (e.type === 'ERROR') {
      const status = e.object as unknown as { code?: number; message?: string };
      throw new KubeApiError(status.code ?? 500, status.code === 410 ? 'Expired' : 'InternalError', status.message ?? 'watch error', 'watch', this.path());
    }
    const o = this.trim(e.object);
    this.resourceVersion = o.metadata.resourceVersion ?? this.resourceVersion;
    if (e.type === 'DELETED') this.store.delete(key(o));
    else this.store.set(key(o), o);
    this.o.onEvent?.({ type: e.type, object: o });
  }

  private trim(o: KubeObject): KubeObject {
    return this.o.trim ? this.o.trim(o) : o;
  }

  private path(): string {
    return objectPath(this.o.resource);
  }
}

// API discovery: which resource serves a kind, and whether it is namespaced. Cached per
// group/version; a kind missing from the cache triggers one re-read of its group/version, which
// is how a kind whose CRD was applied a moment ago becomes known.
import { splitApiVersion } from './api-version';
import { KubeApiError, UnknownKindError } from './errors';
import { assertReference } from './names';

// client.ts imports it from here

export interface ApiResource {
  group: string;
  version: string;
  kind: string;
  /** plural resource name used in paths: `deployments` */
  resource: string;
  namespaced: boolean;
  verbs: string[];
}

interface ApiResourceList {
  resources?: Array<{ name: string; kind: string; namespaced: boolean; verbs?: string[] }>;
}

export type DiscoveryFetch = (path: string) => Promise<ApiResourceList>;

export function groupVersionPath(group: string, version: string): string {
  return group ? `/apis/${group}/${version}` : `/api/${version}`;
}

export class Discovery {
  private readonly byGroupVersion = new Map<string, Promise<Map<string, ApiResource> | undefined>>();

  constructor(private readonly fetchList: DiscoveryFetch) {}

  /** The resource serving `kind` in `apiVersion`; throws UnknownKindError when the cluster has none. */
  async resolve(apiVersion: string, kind: string): Promise<ApiResource> {
    let kinds = await this.load(apiVersion, false);
    if (!kinds?.has(kind)) kinds = await this.load(apiVersion, true);
    const found = kinds?.get(kind);
    if (!found) throw new UnknownKindError(apiVersion, kind);
    return found;
  }

  /** Like resolve, but undefined instead of UnknownKindError. */
  async tryResolve(apiVersion: string, kind: string): Promise<ApiResource | undefined> {
    try {
      return await this.resolve(apiVersion, kind);
    } catch (e) {
      if (e instanceof UnknownKindError) return undefined;
      throw e;
    }
  }

  /** The kinds `apiVersion` serves (cached); empty when the cluster does not serve it. */
  async kinds(apiVersion: string): Promise<string[]> {
    return [...((await this.load(apiVersion, false))?.keys() ?? [])];
  }

  /** Forget everything, e.g. after CRDs changed. */
  invalidate(apiVersion?: string): void {
    if (apiVersion) this.byGroupVersion.delete(apiVersion);
    else this.byGroupVersion.clear();
  }

  private load(apiVersion: string, refresh: boolean): Promise<Map<string, ApiResource> | undefined> {
    const cached = this.byGroupVersion.get(apiVersion);
    if (cached && !refresh) return cached;
    // `x/../../api/v1` would read another path: refused before any request
    assertReference({ apiVersion });
    const { group, version } = splitApiVersion(apiVersion);
    const loading = this.fetchList(groupVersionPath(group, version)).then(
      (list) => {
        const kinds = new Map<string, ApiResource>();
        for (const r of list.resources ?? []) {
          if (r.name.includes('/')) continue; // subresources such as deployments/status
          kinds.set(r.kind, { group, version, kind: r.kind, resource: r.name, namespaced: r.namespaced, verbs: r.verbs ?? [] });
        }
        return kinds;
      },
      (e: unknown) => {
        if (e instanceof KubeApiError && e.status === 404) return undefined;
        this.byGroupVersion.delete(apiVersion);
        throw e;
      },
    );
    this.byGroupVersion.set(apiVersion, loading);
    return loading;
  }
}

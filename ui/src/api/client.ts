// The REST client, typed by the committed OpenAPI document: `npm run build:ui` generates
// schema.d.ts from openapi.json and type-checks this app against it before bundling, so a path,
// parameter or field the server does not declare fails the build.
import createClient from 'openapi-fetch';
import type { components, paths } from './schema';

export type Schemas = components['schemas'];
export type Application = Schemas['ApplicationView'];
export type Target = Schemas['TargetView'];
export type Cluster = Schemas['ClusterView'];
export type Repository = Schemas['RepositoryView'];
export type Channel = Schemas['ChannelView'];
export type Delivery = Schemas['DeliveryView'];
export type AuditEntry = Schemas['AuditEntryView'];
export type SyncRun = Schemas['SyncRunView'];
export type Diff = Schemas['DiffView'];
export type TargetDiff = Schemas['TargetDiffView'];
export type DiffChange = Schemas['DiffChangeView'];
export type TreeNode = Schemas['TreeNodeView'];
export type Tree = Schemas['TreeView'];
export type Rollout = Schemas['RolloutView'];
export type Wave = Schemas['WaveView'];
export type SyncWindowStatus = Schemas['SyncWindowStatusView'];
export type Role = Schemas['Role'];
export type SyncStatus = Schemas['SyncStatus'];
export type HealthStatus = Schemas['HealthStatus'];
export type Fleet = Schemas['FleetView'];
export type FleetRow = Schemas['FleetRowView'];
export type FleetCell = Schemas['FleetCellView'];
export type FleetColumn = Schemas['FleetClusterView'];
export type FleetCounts = Schemas['FleetCountsView'];

/** An answer other than 2xx, with the server's message (a string or one per field). */
export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

let token: string | null = null;
let onUnauthorized: () => void = () => undefined;

/** The bearer token every call carries, and what to do when the server says it is no good. */
export function configureAuth(next: string | null, unauthorized: () => void): void {
  token = next;
  onUnauthorized = unauthorized;
}

export function authHeader(): Record<string, string> {
  return token ? { authorization: `Bearer ${token}` } : {};
}

export const api = createClient<paths>({ baseUrl: window.location.origin });

api.use({
  onRequest({ request }) {
    if (token) request.headers.set('authorization', `Bearer ${token}`);
    return request;
  },
  onResponse({ response }) {
    if (response.status === 401) onUnauthorized();
    return response;
  },
});

function messageOf(error: unknown, status: number): string {
  if (error && typeof error === 'object' && 'message' in error) {
    const m = error.message;
    if (Array.isArray(m)) return m.join('; ');
    if (typeof m === 'string') return m;
  }
  return typeof error === 'string' && error ? error : `the server answered ${status}`;
}

/** The data of an openapi-fetch answer, or an ApiError with the server's message. */
export async function must<T>(call: Promise<{ data?: T; error?: unknown; response: Response }>): Promise<T> {
  let res: { data?: T; error?: unknown; response: Response };
  try {
    res = await call;
  } catch (e) {
    throw new ApiError(0, `the service could not be reached (${e instanceof Error ? e.message : String(e)})`);
  }
  if (res.error !== undefined || !res.response.ok) throw new ApiError(res.response.status, messageOf(res.error, res.response.status));
  return res.data as T;
}

export interface Me {
  name: string;
  role: Role;
}

/**
 * The token's name and role (GET /api/v1/whoami), or null when the token is refused. Called
 * through fetch rather than the typed client so the UI also builds against an openapi.json
 * from before the route was added.
 */
export async function whoami(candidate: string): Promise<Me | null> {
  const res = await fetch('/api/v1/whoami', { headers: { authorization: `Bearer ${candidate}` } });
  if (res.status === 401) return null;
  if (!res.ok) throw new ApiError(res.status, messageOf(await res.json().catch(() => null), res.status));
  const body = (await res.json()) as Me;
  if (typeof body?.name !== 'string' || !['viewer', 'operator', 'admin'].includes(body.role)) throw new ApiError(res.status, 'an unexpected answer from /api/v1/whoami');
  return body;
}

const RANK: Record<Role, number> = { viewer: 0, operator: 1, admin: 2 };
export const may = (me: Me | null, role: Role): boolean => !!me && RANK[me.role] >= RANK[role];

// ---- summaries (the charts: ui/src/components/charts) ----------------------------------------
export type RunsSummary = Schemas['RunsSummaryView'];
export type HealthSummary = Schemas['HealthSummaryView'];
export type ApplicationRunsSummary = Schemas['ApplicationRunsSummaryView'];
export type DeliveriesSummary = Schemas['DeliveriesSummaryView'];

export const summaries = {
  runs: (hours: number) => must(api.GET('/api/v1/summaries/runs', { params: { query: { hours } } })),
  health: (hours: number) => must(api.GET('/api/v1/summaries/health', { params: { query: { hours } } })),
  applicationRuns: (name: string, hours: number, target?: { cluster: string; namespace: string }) =>
    must(
      api.GET('/api/v1/applications/{name}/summaries/runs', {
        params: { path: { name }, query: { hours, ...(target ? { cluster: target.cluster, namespace: target.namespace } : {}) } },
      }),
    ),
  deliveries: (name: string, hours: number) => must(api.GET('/api/v1/channels/{name}/summaries/deliveries', { params: { path: { name }, query: { hours } } })),
};

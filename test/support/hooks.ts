// Shared by the hook tests (test/hooks/): the service settings they run with, channel bodies, the
// delivery log read to the end, and the events a webhook receiver got, by CloudEvent type.
import { expect } from 'vitest';
import type { ApiClient, ApiResponse } from './api';
import { eventually } from './eventually';
import type { ReceivedRequest, WebhookReceiver } from './webhook-receiver';
import { SYNC_ENV } from './workloads';

export type HookEventName = 'PreSync' | 'PostSync' | 'SyncFailed' | 'HealthDegraded' | 'DriftDetected';
export const ALL_EVENTS: HookEventName[] = ['PreSync', 'PostSync', 'SyncFailed', 'HealthDegraded', 'DriftDetected'];

/** A row of GET /channels/:name/deliveries. */
export interface DeliveryView {
  id: string;
  channel: string;
  kind: 'target' | 'revision' | 'reply' | 'test' | 'gate';
  event: string;
  application: string | null;
  subject: string | null;
  state: 'pending' | 'delivered' | 'failed';
  attempts: number;
  nextAttemptAt: string | null;
  lastError: string | null;
  lastStatus: number | null;
  createdAt: string;
  deliveredAt: string | null;
}

/**
 * The service settings of a hook test: applications reconciled every 2 s (SYNC_ENV), the Slack
 * API at the stand-in, receivers on loopback allowed, and quick retries (1 s base, 2 s cap).
 */
export function hooksEnv(admin: string, slackUrl?: string, extra: Record<string, string> = {}): Record<string, string> {
  return {
    ...SYNC_ENV,
    FLOTILLA_ADMIN_TOKEN: admin,
    FLOTILLA_HOOKS__ALLOW_PRIVATE_NETWORKS: 'true',
    FLOTILLA_HOOKS__BACKOFF_BASE_SECONDS: '1',
    FLOTILLA_HOOKS__BACKOFF_MAX_SECONDS: '2',
    ...(slackUrl ? { FLOTILLA_SLACK_API_URL: slackUrl } : {}),
    ...extra,
  };
}

/** `io.flotilla.sync.presync`, … */
export const ceType = (event: string) => `io.flotilla.sync.${event.toLowerCase()}`;

export function slackChannel(name: string, token: string, channel: string) {
  return { name, type: 'slack', slack: { token, channel } };
}

export function webhookChannel(name: string, url: string, webhook: { secret?: string; headers?: Record<string, string>; timeoutSeconds?: number } = {}) {
  return { name, type: 'webhook', webhook: { url, ...webhook } };
}

/** Awaits a call that must answer `status` (201 by default); the body otherwise in the failure. */
export async function expectStatus(call: Promise<ApiResponse>, status = 201): Promise<any> {
  const res = await call;
  expect(res.status, JSON.stringify(res.body)).toBe(status);
  return res.body;
}

/** Every delivery of a channel, newest first, walking nextCursor. */
export async function deliveriesOf(api: ApiClient, channel: string, limit = 100): Promise<DeliveryView[]> {
  const items: DeliveryView[] = [];
  let cursor: string | null = null;
  for (let page = 0; page < 1000; page++) {
    const res: ApiResponse = await api.get(`/api/v1/channels/${channel}/deliveries?limit=${limit}${cursor ? `&cursor=${encodeURIComponent(cursor)}` : ''}`);
    if (res.status !== 200) throw new Error(`deliveries of ${channel}: ${res.status} ${JSON.stringify(res.body)}`);
    items.push(...res.body.items);
    cursor = res.body.nextCursor;
    if (!cursor) return items;
  }
  throw new Error(`the delivery log of ${channel} never ends`);
}

/** Polls the delivery log until `ok` holds; the error shows the log as last seen. */
export async function waitForDeliveries(api: ApiClient, channel: string, ok: (d: DeliveryView[]) => boolean, what: string, timeoutMs = 30_000): Promise<DeliveryView[]> {
  return eventually(what, () => deliveriesOf(api, channel), ok, timeoutMs, 200).catch((e: Error) => {
    throw new Error(`${what}: ${channel} deliveries ${e.message.replace(/^[^:]*: still /, '')}`);
  });
}

/** The requests a receiver got whose CloudEvent is of `event` (PreSync, …, Revision); all when undefined. */
export function eventsAt(receiver: WebhookReceiver, event?: string): ReceivedRequest[] {
  return receiver.requests.filter((r) => event === undefined || r.event?.type === ceType(event));
}

/** Short lines for failure messages: type, subject, webhook-id, status answered. */
export function describeRequests(requests: ReceivedRequest[]): string[] {
  return requests.map((r) => `${r.event?.type ?? '?'} ${r.event?.subject ?? ''} ${String(r.headers['webhook-id'] ?? '')} → ${r.status}`);
}

/** Waits until the receiver has `count` requests of `event`; returns them. */
export async function waitForEvents(receiver: WebhookReceiver, event: string, count: number, timeoutMs = 30_000): Promise<ReceivedRequest[]> {
  try {
    return await eventually(
      `${count} ${event} events`,
      async () => eventsAt(receiver, event),
      (r) => r.length >= count,
      timeoutMs,
      100,
    );
  } catch {
    throw new Error(`waited ${timeoutMs} ms for ${count} ${event} events; the receiver got ${JSON.stringify(describeRequests(receiver.requests), null, 1)}`);
  }
}

export const sleep = (ms: number) => new Promise((r) => setTimeout(r, ms));

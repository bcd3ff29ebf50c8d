import { AsyncLocalStorage } from 'node:async_hooks';

/** Per-request facts that logs and the audit log pick up without passing them around. */
export interface RequestContext {
  requestId: string;
  sourceAddress?: string;
}

export const requestContext = new AsyncLocalStorage<RequestContext>();

export const currentRequestId = (): string | undefined => requestContext.getStore()?.requestId;

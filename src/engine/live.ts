// How the engine reads live state: one narrow interface, so a watch-fed cache (Argo CD's way:
// an idle fleet costs no API calls) can replace direct reads without touching the engine.
import { joinApiVersion, type KubeClient } from '../kube';
import type { KubeObject, ObjectRef } from './objects';

/** What Flotilla last applied to an object: what it sent (a content id), and the version the server answered. */
export interface AppliedMemo {
  /** the content id of the desired object applied (contentId in object-plan.ts) */
  desired: string;
  resourceVersion: string;
}

export interface LiveState {
  /** The object as the cluster has it now; undefined when it does not exist. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
  /**
   * Optional memory of applies: an object whose live resourceVersion is still the one an apply
   * of the same desired object returned has not changed since — no dry run needed to know it.
   * Only worth having with a watch-fed `get` (a fresh resourceVersion at no cost).
   */
  remembered?(ref: ObjectRef): AppliedMemo | undefined;
  remember?(ref: ObjectRef, memo: AppliedMemo): void;
}

/** Reads every object from the API server when asked. */
export class DirectLiveState implements LiveState {
  constructor(private readonly client: KubeClient) {}

  get(ref: ObjectRef): Promise<KubeObject | undefined> {
    return this.client.get(joinApiVersion(ref), ref.kind, ref.name, ref.namespace);
  }
}

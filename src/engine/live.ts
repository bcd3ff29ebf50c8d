// How the engine reads live state: one narrow interface, so a watch-fed cache (Argo CD's way:
// an idle fleet costs no API calls) can replace direct reads without touching the engine.
import { joinApiVersion, type KubeClient } from '../kube';
import type { KubeObject, ObjectRef } from './objects';

export interface LiveState {
  /** The object as the cluster has it now; undefined when it does not exist. */
  get(ref: ObjectRef): Promise<KubeObject | undefined>;
}

/** Reads every object from the API server when asked. */
export class DirectLiveState implements LiveState {
  constructor(private readonly client: KubeClient) {}

  get(ref: ObjectRef): Promise<KubeObject | undefined> {
    return this.client.get(joinApiVersion(ref), ref.kind, ref.name, ref.namespace);
  }
}

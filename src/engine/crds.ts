// CRDs must be Established (and their kinds discoverable) before objects of them can be applied.
import { joinApiVersion, type Discovery, type KubeClient } from '../kube';
import type { Clock } from '../shared/clock';
import { conditionOf } from './health';
import { refOf, type KubeObject, type ObjectRef } from './objects';
import { poll } from './wait';

/** What the wait reads: a CRD's status and discovery. */
export interface CrdReader {
  get: KubeClient['get'];
  discovery: Pick<Discovery, 'tryResolve'>;
}

/**
 * Waits for every CRD; returns one message per CRD that did not become ready in time. An aborted
 * `signal` ends the wait early without reporting the CRDs not checked yet: the run stops anyway.
 */
export async function waitForCrds(
  client: CrdReader,
  crds: readonly KubeObject[],
  timeoutMs: number,
  clock: Clock,
  signal?: AbortSignal,
): Promise<Array<{ ref: ObjectRef; message: string }>> {
  const deadline = clock.now() + timeoutMs;
  const late: Array<{ ref: ObjectRef; message: string }> = [];
  for (const crd of crds) {
    let last = 'not Established';
    const ready = await poll(
      clock,
      deadline,
      100,
      async () => {
        const established = conditionOf(await client.get(crd.apiVersion, crd.kind, crd.metadata.name), 'Established');
        if (established?.status !== 'True') {
          if (established?.message) last = established.message;
          return false;
        }
        const served = (crd.spec?.versions ?? []).find((v: { served?: boolean }) => v.served !== false)?.name;
        const kind = crd.spec?.names?.kind;
        if (!served || !kind || (await client.discovery.tryResolve(joinApiVersion({ group: crd.spec?.group ?? '', version: served }), kind))) return true;
        last = `Established but ${kind} is not in discovery yet`;
        return false;
      },
      signal,
    );
    if (signal?.aborted) break;
    if (!ready) late.push({ ref: refOf(crd), message: `CRD ${crd.metadata.name} not ready after ${timeoutMs} ms: ${last}` });
  }
  return late;
}

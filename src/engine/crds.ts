// CRDs must be Established (and their kinds discoverable) before objects of them can be applied.
import type { KubeClient } from '../kube';
import { refOf, type KubeObject, type ObjectRef } from './objects';

/** Waits for every CRD; returns one message per CRD that did not become ready in time. */
export async function waitForCrds(client: KubeClient, crds: readonly KubeObject[], timeoutMs: number): Promise<Array<{ ref: ObjectRef; message: string }>> {
  const deadline = Date.now() + timeoutMs;
  const late: Array<{ ref: ObjectRef; message: string }> = [];
  for (const crd of crds) {
    let last = 'not Established';
    for (;;) {
      const live = await client.get(crd.apiVersion, crd.kind, crd.metadata.name);
      const established = (live?.status?.conditions ?? []).find((c: { type?: string }) => c.type === 'Established');
      if (established?.status === 'True') {
        const served = (crd.spec?.versions ?? []).find((v: { served?: boolean }) => v.served !== false)?.name;
        const group = crd.spec?.group;
        const kind = crd.spec?.names?.kind;
        if (!served || !kind || (await client.discovery.tryResolve(`${group}/${served}`, kind))) break;
        last = `Established but ${kind} is not in discovery yet`;
      } else if (established?.message) {
        last = established.message;
      }
      if (Date.now() > deadline) {
        late.push({ ref: refOf(crd), message: `CRD ${crd.metadata.name} not ready after ${timeoutMs} ms: ${last}` });
        break;
      }
      await new Promise((r) => setTimeout(r, 100));
    }
  }
  return late;
}

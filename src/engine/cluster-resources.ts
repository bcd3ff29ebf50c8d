// Which cluster-scoped kinds an application may apply (SPEC §3 step 3, `syncPolicy.clusterResources`,
// like Argo CD's clusterResourceWhitelist): a cluster-scoped object reaches past the target
// namespace — a ClusterRoleBinding to cluster-admin, a webhook, a CRD — so only what an admin
// listed is applied. The default allows Namespaces only. Entries:
//   `Kind`        a kind of the core group (`Namespace`, `PersistentVolume`)
//   `group/Kind`  a kind of a named group (`rbac.authorization.k8s.io/ClusterRole`)
//   `group/*`     every kind of a group
//   `*`           everything
// An entry names one group exactly: a kind of the same name in another group (a custom
// resource called `Namespace`) is not allowed by `Namespace`.
import type { ObjectRef } from './objects';

export const DEFAULT_CLUSTER_RESOURCES: readonly string[] = Object.freeze(['Namespace']);

const KIND = '[A-Za-z][A-Za-z0-9]{0,62}';
const GROUP = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const ENTRY = new RegExp(`^(\\*|${KIND}|${GROUP}/(\\*|${KIND}))$`);

/** Why an entry is not valid (for validating `syncPolicy.clusterResources`), or undefined. */
export function clusterResourceProblem(entry: string): string | undefined {
  if (typeof entry !== 'string' || entry.length > 300 || !ENTRY.test(entry)) {
    return `${JSON.stringify(entry)} is not "Kind", "group/Kind", "group/*" or "*"`;
  }
  return undefined;
}

/** The entry that allows this kind: `Namespace`, `rbac.authorization.k8s.io/ClusterRole`. */
export function clusterResourceEntry(ref: Pick<ObjectRef, 'group' | 'kind'>): string {
  return ref.group ? `${ref.group}/${ref.kind}` : ref.kind;
}

export function isClusterKindAllowed(ref: Pick<ObjectRef, 'group' | 'kind'>, allowed: readonly string[] = DEFAULT_CLUSTER_RESOURCES): boolean {
  const exact = clusterResourceEntry(ref);
  return allowed.some((a) => a === '*' || a === exact || (ref.group !== '' && a === `${ref.group}/*`));
}

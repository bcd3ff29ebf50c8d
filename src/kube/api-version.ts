// apiVersion is `group/version`, or only `version` for the core group. Splitting and joining it
// live here, once, so that the core-group case cannot be handled differently in two places.

export interface GroupVersion {
  /** '' for the core group (`v1`) */
  group: string;
  version: string;
}

export function splitApiVersion(apiVersion: string): GroupVersion {
  const slash = apiVersion.indexOf('/');
  return slash < 0 ? { group: '', version: apiVersion } : { group: apiVersion.slice(0, slash), version: apiVersion.slice(slash + 1) };
}

export function joinApiVersion(gv: GroupVersion): string {
  return gv.group ? `${gv.group}/${gv.version}` : gv.version;
}

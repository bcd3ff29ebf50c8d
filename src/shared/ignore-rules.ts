// Drift rules as configured (issue 26): which objects (group, kind, name, namespace; `*` globs)
// and which of their fields — JSON pointers (RFC 6901) or field managers — Flotilla leaves alone.
// Checked here for the API and the configuration alike; the engine applies them
// (src/engine/ignore-differences.ts).

export interface IgnoreRule {
  /** API group; absent: any group ("" is the core group) */
  group?: string;
  kind: string;
  name?: string;
  namespace?: string;
  /** fields by JSON pointer: `/spec/replicas`, `/metadata/annotations/example.com~1x` */
  jsonPointers?: string[];
  /** every field these managers own (globs: `hpa-*`) */
  managedFieldsManagers?: string[];
}

const MAX_RULES = 100;
const MAX_ITEMS = 64;

/** The reference tokens of a JSON pointer; throws naming the pointer when it is not one. */
export function parsePointer(pointer: string): string[] {
  const problem = pointerProblem(pointer);
  if (problem) throw new Error(problem);
  return pointer
    .slice(1)
    .split('/')
    .map((t) => t.replace(/~1/g, '/').replace(/~0/g, '~'));
}

/** Why `pointer` is not a JSON pointer Flotilla can use; null when it is one. */
export function pointerProblem(pointer: unknown): string | null {
  if (typeof pointer !== 'string') return `${JSON.stringify(pointer)} is not a JSON pointer: it must be a string like "/spec/replicas"`;
  const shown = JSON.stringify(pointer);
  if (pointer === '' || pointer === '/') return `${shown} is not a usable JSON pointer: it would ignore the whole object`;
  if (!pointer.startsWith('/')) return `${shown} is not a JSON pointer (RFC 6901): it must start with "/", e.g. "/spec/replicas"`;
  if (pointer.length > 1024) return `${shown.slice(0, 40)}… is longer than 1024 characters`;
  if (/~(?![01])/.test(pointer)) return `${shown} is not a JSON pointer (RFC 6901): "~" must be followed by 0 (for ~) or 1 (for /)`;
  if (
    pointer
      .split('/')
      .slice(1)
      .some((t) => t === '')
  )
    return `${shown} is not a usable JSON pointer: it has an empty segment ("//" or a trailing "/")`;
  return null;
}

/** Why `rule` (at `at`, e.g. `ignoreDifferences[2]`) is not a drift rule; null when it is one. */
export function ignoreRuleProblem(rule: unknown, at: string): string | null {
  if (!rule || typeof rule !== 'object' || Array.isArray(rule)) return `${at}: must be an object with kind and jsonPointers or managedFieldsManagers`;
  const r = rule as Record<string, unknown>;
  const known = ['group', 'kind', 'name', 'namespace', 'jsonPointers', 'managedFieldsManagers'];
  const unknown = Object.keys(r).filter((k) => !known.includes(k));
  if (unknown.length) return `${at}: unknown field ${unknown.map((k) => JSON.stringify(k)).join(', ')} (allowed: ${known.join(', ')})`;
  if (typeof r.kind !== 'string' || !r.kind.trim()) return `${at}.kind: name the kind, e.g. "Deployment" (or "*" for every kind)`;
  for (const f of ['group', 'kind', 'name', 'namespace'] as const) {
    if (r[f] !== undefined && (typeof r[f] !== 'string' || r[f].length > 253)) return `${at}.${f}: must be a string of at most 253 characters`;
  }
  const lists = ['jsonPointers', 'managedFieldsManagers'] as const;
  for (const f of lists) {
    const v = r[f];
    if (v === undefined) continue;
    if (!Array.isArray(v)) return `${at}.${f}: must be a list of strings`;
    if (v.length > MAX_ITEMS) return `${at}.${f}: at most ${MAX_ITEMS} entries`;
    for (const [i, item] of v.entries()) {
      if (f === 'jsonPointers') {
        const problem = pointerProblem(item);
        if (problem) return `${at}.jsonPointers[${i}]: ${problem}`;
      } else if (typeof item !== 'string' || !item.trim() || item.length > 128) {
        return `${at}.managedFieldsManagers[${i}]: must be a field manager name (or glob) of 1 to 128 characters`;
      }
    }
  }
  if (!lists.some((f) => Array.isArray(r[f]) && (r[f] as unknown[]).length))
    return `${at}: give jsonPointers or managedFieldsManagers (at least one entry): which fields to leave alone`;
  return null;
}

/** Why a list of rules is not usable (the first problem); null when it is. */
export function ignoreRulesProblem(rules: unknown, at: string): string | null {
  if (!Array.isArray(rules)) return `${at}: must be a list of rules`;
  if (rules.length > MAX_RULES) return `${at}: at most ${MAX_RULES} rules`;
  for (const [i, r] of rules.entries()) {
    const problem = ignoreRuleProblem(r, `${at}[${i}]`);
    if (problem) return problem;
  }
  return null;
}

/** A checked rule as stored: exactly the fields given. */
export function ignoreRuleOf(rule: IgnoreRule): IgnoreRule {
  const out: IgnoreRule = { kind: rule.kind };
  for (const f of ['group', 'name', 'namespace'] as const) if (rule[f] !== undefined) out[f] = rule[f];
  if (rule.jsonPointers?.length) out.jsonPointers = [...rule.jsonPointers];
  if (rule.managedFieldsManagers?.length) out.managedFieldsManagers = [...rule.managedFieldsManagers];
  return out;
}

/** `*` matches any run of characters; anything else matches itself. */
export function glob(pattern: string, value: string): boolean {
  if (!pattern.includes('*')) return pattern === value;
  const re = new RegExp(
    `^${pattern
      .split('*')
      .map((p) => p.replace(/[.+?^${}()|[\]\\]/g, '\\$&'))
      .join('.*')}$`,
  );
  return re.test(value);
}

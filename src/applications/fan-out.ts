// The fan-out (SPEC §1 Application): an application's destinations × the registered clusters →
// its targets. Pure, so the service can re-run it whenever an application is written or a cluster
// is registered, relabelled or deleted, and diff the result against the stored target rows.
//
// A template that cannot be rendered for one cluster (a missing label, a value that is no
// namespace) must not hide the other targets nor fail the whole application: such a target is
// still returned, carrying a `problem` the service shows on it instead of syncing it.
import { fromSelectorObject, LabelSelectorError, matches, validLabelKey } from '../shared/label-selector';
import type { LabelSelectorObject } from '../shared/label-selector';
import { DNS_LABEL } from '../common/validation';
import { splitRepositoryPath } from '../git/repository-path';
import { InvalidInputError } from '../shared/errors';

export interface Destination {
  cluster?: string;
  clusterSelector?: LabelSelectorObject;
  namespace: string;
}

export interface FleetCluster {
  name: string;
  labels: Record<string, string>;
}

/** one (cluster, namespace) an application deploys to; `problem` set when a template cannot be rendered for this cluster */
export interface TargetSpec {
  cluster: string;
  namespace: string;
  path: string;
  problem?: string;
}

type Segment = { text: string } | { label: string } | 'name';

/** A template that breaks the placeholder syntax; turned into an InvalidInputError or a problem. */
class TemplateError extends Error {}

const PLACEHOLDER = /\{\{([^{}]*)\}\}/g;
const ALLOWED = 'only {{cluster.name}} and {{cluster.labels.KEY}} are allowed';

/** Client text echoed in a message, bounded so a long value cannot flood logs. */
function shown(text: string): string {
  return text.length > 80 ? `${text.slice(0, 77)}...` : text;
}

function placeholder(expression: string, at: number): Segment {
  if (expression === 'cluster.name') return 'name';
  if (expression.startsWith('cluster.labels.')) {
    const key = expression.slice('cluster.labels.'.length);
    if (validLabelKey(key)) return { label: key };
    throw new TemplateError(`placeholder at character ${at}: "${shown(key)}" is not a valid label key`);
  }
  throw new TemplateError(`unknown placeholder "{{${shown(expression)}}}" at character ${at}: ${ALLOWED}`);
}

// Any brace outside a well-formed `{{…}}` is refused, not passed through: `{{{cluster.name}}}`
// or a lone `{{` are almost certainly typos, and a brace is never valid in a namespace anyway.
function parseTemplate(text: string): Segment[] {
  const segments: Segment[] = [];
  let last = 0;
  const literal = (end: number) => {
    const chunk = text.slice(last, end);
    const brace = chunk.search(/[{}]/);
    if (brace >= 0) throw new TemplateError(`unbalanced braces: "${chunk[brace]}" at character ${last + brace + 1} is not part of a {{...}} placeholder`);
    if (chunk !== '') segments.push({ text: chunk });
  };
  for (const m of text.matchAll(PLACEHOLDER)) {
    literal(m.index);
    segments.push(placeholder(m[1].trim(), m.index + 1));
    last = m.index + m[0].length;
  }
  literal(text.length);
  return segments;
}

/** Throws InvalidInputError naming `field` when `text` uses any placeholder but {{cluster.name}} and {{cluster.labels.KEY}}, or has unbalanced braces. */
export function checkTemplate(text: string, field: string): void {
  if (typeof text !== 'string') throw new InvalidInputError(`${field}: must be a string`);
  try {
    parseTemplate(text);
  } catch (err) {
    if (err instanceof TemplateError) throw new InvalidInputError(`${field}: ${err.message}`);
    throw err;
  }
}

/** Renders the placeholders for one cluster; a label the cluster lacks is a problem, not an exception. */
export function renderTemplate(text: string, cluster: FleetCluster): { value: string } | { problem: string } {
  let segments: Segment[];
  try {
    segments = parseTemplate(text);
  } catch (err) {
    // a stored definition is checked on write, so this is only reached by a caller's mistake
    if (err instanceof TemplateError) return { problem: err.message };
    throw err;
  }
  let value = '';
  for (const s of segments) {
    if (s === 'name') value += cluster.name;
    else if ('text' in s) value += s.text;
    // own properties only: a label called `constructor` must not find Object.prototype's
    else if (Object.prototype.hasOwnProperty.call(cluster.labels, s.label)) value += cluster.labels[s.label];
    else return { problem: `cluster "${cluster.name}" has no label "${s.label}"` };
  }
  return { value };
}

function from(rendered: string, template: string): string {
  return rendered === template ? '' : ` (from "${template}")`;
}

function namespaceProblem(namespace: string, template: string): string | undefined {
  return DNS_LABEL.test(namespace) ? undefined : `namespace "${namespace}"${from(namespace, template)} is not a DNS-1123 label`;
}

function pathProblem(path: string, template: string): string | undefined {
  try {
    splitRepositoryPath(path);
    return undefined;
  } catch (err) {
    const reason = err instanceof Error ? err.message : String(err);
    const subject = `path "${path}"`;
    // PathEscapeError already begins with `path "…"`; slot the template in rather than repeat it
    return reason.startsWith(subject) ? `${subject}${from(path, template)}${reason.slice(subject.length)}` : `${subject}${from(path, template)}: ${reason}`;
  }
}

function targetFor(pathTemplate: string, namespaceTemplate: string, cluster: FleetCluster): TargetSpec {
  const ns = renderTemplate(namespaceTemplate, cluster);
  const path = renderTemplate(pathTemplate, cluster);
  const problems = [
    'problem' in ns ? `namespace "${namespaceTemplate}": ${ns.problem}` : namespaceProblem(ns.value, namespaceTemplate),
    'problem' in path ? `path "${pathTemplate}": ${path.problem}` : pathProblem(path.value, pathTemplate),
  ].filter((p): p is string => p !== undefined);
  return {
    cluster: cluster.name,
    namespace: 'value' in ns ? ns.value : namespaceTemplate,
    path: 'value' in path ? path.value : pathTemplate,
    ...(problems.length > 0 ? { problem: problems.join('; ') } : {}),
  };
}

function matchingClusters(destination: Destination, clusters: readonly FleetCluster[]): readonly FleetCluster[] {
  if (destination.cluster != null) return clusters.filter((c) => c.name === destination.cluster);
  // neither given is refused by checkDefinition; never read it as "every cluster"
  if (destination.clusterSelector == null) return [];
  const requirements = fromSelectorObject(destination.clusterSelector);
  return clusters.filter((c) => matches(requirements, c.labels));
}

function compare(a: string, b: string): number {
  return a < b ? -1 : a > b ? 1 : 0; // code units, not locale: the order must not depend on the host
}

/** Destinations × clusters → targets, sorted by cluster then namespace; duplicates (same cluster and namespace) merge into one. */
export function expandTargets(spec: { path: string; destinations: readonly Destination[] }, clusters: readonly FleetCluster[]): TargetSpec[] {
  const byKey = new Map<string, TargetSpec>();
  for (const destination of spec.destinations) {
    for (const cluster of matchingClusters(destination, clusters)) {
      const target = targetFor(spec.path, destination.namespace, cluster);
      const key = JSON.stringify([target.cluster, target.namespace]);
      const kept = byKey.get(key);
      // the first destination wins, except that a renderable target beats one with a problem
      if (kept === undefined || (kept.problem !== undefined && target.problem === undefined)) byKey.set(key, target);
    }
  }
  return [...byKey.values()].sort((a, b) => compare(a.cluster, b.cluster) || compare(a.namespace, b.namespace));
}

/** Validates the whole definition's templates and selectors up front; throws InvalidInputError naming the field. */
export function checkDefinition(spec: { path: string; destinations: readonly Destination[] }): void {
  checkTemplate(spec.path, 'path');
  // without placeholders the text is what every target gets: refuse it now rather than on each target
  if (!spec.path.includes('{{')) {
    const problem = pathProblem(spec.path, spec.path);
    if (problem !== undefined) throw new InvalidInputError(`path: ${problem}`);
  }
  spec.destinations.forEach((destination, i) => {
    const place = `destinations[${i}]`;
    if ((destination.cluster != null) === (destination.clusterSelector != null)) {
      throw new InvalidInputError(`${place}: give exactly one of cluster and clusterSelector`);
    }
    const selector = destination.clusterSelector;
    if (selector != null) {
      // fromSelectorObject reads a string or array as an empty selector, which would match every cluster
      if (typeof selector !== 'object' || Array.isArray(selector)) throw new InvalidInputError(`${place}.clusterSelector: must be an object`);
      try {
        fromSelectorObject(selector);
      } catch (err) {
        if (err instanceof LabelSelectorError) throw new InvalidInputError(`${place}.clusterSelector: ${err.message}`);
        throw err;
      }
    }
    checkTemplate(destination.namespace, `${place}.namespace`);
    if (!destination.namespace.includes('{{')) {
      const problem = namespaceProblem(destination.namespace, destination.namespace);
      if (problem !== undefined) throw new InvalidInputError(`${place}.namespace: ${problem}`);
    }
  });
}

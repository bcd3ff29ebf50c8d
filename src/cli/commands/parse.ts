// Small parsers for option values: labels, durations, selectors, targets.
import { CliError } from '../errors';

/** commander helper for repeatable options */
export const collect = (value: string, previous: string[] = []) => [...previous, value];

export function parseLabels(pairs: string[] = []): Record<string, string> {
  const labels: Record<string, string> = {};
  for (const pair of pairs) {
    const i = pair.indexOf('=');
    if (i <= 0) throw new CliError(`"${pair}" is not key=value`);
    labels[pair.slice(0, i)] = pair.slice(i + 1);
  }
  return labels;
}

/** "90", "90s", "5m", "1h30m" → seconds */
export function seconds(value: string, option: string): number {
  const text = value.trim();
  if (/^\d+(\.\d+)?$/.test(text)) return Number(text);
  const parts = [...text.matchAll(/(\d+(?:\.\d+)?)(h|m|s)/g)];
  if (!parts.length || parts.map((p) => p[0]).join('') !== text) throw new CliError(`${option}: "${value}" is not a duration`, 'give seconds, or e.g. 90s, 5m, 1h');
  return parts.reduce((sum, [, n, unit]) => sum + Number(n) * (unit === 'h' ? 3600 : unit === 'm' ? 60 : 1), 0);
}

/** "cluster/namespace" */
export function parseTarget(value: string): { cluster: string; namespace: string } {
  const [cluster, namespace, ...rest] = value.split('/');
  if (!cluster || !namespace || rest.length) throw new CliError(`"${value}" is not cluster/namespace`);
  return { cluster, namespace };
}

export interface Selector {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: 'In' | 'NotIn' | 'Exists' | 'DoesNotExist'; values?: string[] }[];
}

/** A label selector as kubectl writes it (`env=prod,tier!=edge,region in (eu,us),!legacy`) into its structured form. */
export function parseSelector(text: string): Selector {
  const terms = splitTerms(text);
  const matchLabels: Record<string, string> = {};
  const matchExpressions: NonNullable<Selector['matchExpressions']> = [];
  for (const term of terms) {
    let m: RegExpMatchArray | null;
    if ((m = term.match(new RegExp(`^(${KEY})\\s+(in|notin)\\s+\\(([^()]*)\\)$`, 'i')))) {
      const values = m[3]
        .split(',')
        .map((v) => v.trim())
        .filter(Boolean);
      if (!values.every((v) => new RegExp(`^${VALUE}$`).test(v))) throw bad(term, text);
      matchExpressions.push({ key: m[1], operator: m[2].toLowerCase() === 'in' ? 'In' : 'NotIn', values });
    } else if ((m = term.match(new RegExp(`^(${KEY})\\s*!=\\s*(${VALUE})$`)))) {
      matchExpressions.push({ key: m[1], operator: 'NotIn', values: [m[2]] });
    } else if ((m = term.match(new RegExp(`^(${KEY})\\s*==?\\s*(${VALUE})$`)))) {
      matchLabels[m[1]] = m[2];
    } else if ((m = term.match(new RegExp(`^!\\s*(${KEY})$`)))) {
      matchExpressions.push({ key: m[1], operator: 'DoesNotExist' });
    } else if ((m = term.match(new RegExp(`^(${KEY})$`)))) {
      matchExpressions.push({ key: m[1], operator: 'Exists' });
    } else {
      throw bad(term, text);
    }
  }
  return {
    ...(Object.keys(matchLabels).length ? { matchLabels } : {}),
    ...(matchExpressions.length ? { matchExpressions } : {}),
  };
}

const KEY = '[A-Za-z0-9][-A-Za-z0-9_./]*';
const VALUE = '[-A-Za-z0-9_.]*';
const bad = (term: string, text: string) => new CliError(`cannot read "${term}" in the selector "${text}"`, 'write e.g. env=prod,tier!=edge,region in (eu,us)');

/** commas split terms, except inside parentheses */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (current.trim()) terms.push(current.trim());
  return terms.filter(Boolean);
}

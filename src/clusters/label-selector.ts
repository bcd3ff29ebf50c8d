// Kubernetes label selectors: the string syntax of `kubectl -l` (`env=prod,tier!=edge`,
// `region in (eu, us)`, `!canary`) and the object form of Application destinations
// (`matchLabels` / `matchExpressions`). Both compile to one list of requirements.
import { InvalidInputError } from '../shared/errors';

export type Operator = 'In' | 'NotIn' | 'Exists' | 'DoesNotExist';

export interface Requirement {
  key: string;
  operator: Operator;
  values: string[];
}

export type Labels = Record<string, string>;

const NAME = '[A-Za-z0-9]([-A-Za-z0-9_.]{0,61}[A-Za-z0-9])?';
const PREFIX = '[a-z0-9]([-a-z0-9]*[a-z0-9])?(\\.[a-z0-9]([-a-z0-9]*[a-z0-9])?)*';
const KEY = new RegExp(`^(${PREFIX}/)?${NAME}$`);
const VALUE = new RegExp(`^(${NAME})?$`);

export class LabelSelectorError extends InvalidInputError {}

export function validLabelKey(key: string): boolean {
  return KEY.test(key) && (key.includes('/') ? key.split('/')[0].length <= 253 : true);
}

export function validLabelValue(value: string): boolean {
  return value.length <= 63 && VALUE.test(value);
}

function checkKey(key: string, where: string): string {
  if (!validLabelKey(key)) throw new LabelSelectorError(`${where}: "${key}" is not a valid label key (name of at most 63 characters, optionally prefixed by a DNS subdomain and "/")`);
  return key;
}

function checkValue(value: string, where: string): string {
  if (!validLabelValue(value)) throw new LabelSelectorError(`${where}: "${value}" is not a valid label value (at most 63 characters: letters, digits, "-", "_", ".", beginning and ending with a letter or digit)`);
  return value;
}

/** Splits at commas that are not inside parentheses. */
function splitTerms(text: string): string[] {
  const terms: string[] = [];
  let depth = 0;
  let current = '';
  for (const ch of text) {
    if (ch === '(') depth++;
    if (ch === ')') depth--;
    if (depth < 0) throw new LabelSelectorError(`selector "${text}": unbalanced ")"`);
    if (ch === ',' && depth === 0) {
      terms.push(current.trim());
      current = '';
    } else current += ch;
  }
  if (depth !== 0) throw new LabelSelectorError(`selector "${text}": unbalanced "("`);
  terms.push(current.trim());
  return terms;
}

/** Parses the string syntax; an empty selector selects everything. */
export function parseSelector(text: string): Requirement[] {
  if (text.trim() === '') return [];
  if (text.length > 4096) throw new LabelSelectorError('selector is longer than 4096 characters');
  return splitTerms(text).map((term) => {
    const where = `selector term "${term}"`;
    if (term === '') throw new LabelSelectorError(`selector "${text}": empty term (stray comma?)`);
    let m = /^!\s*([^\s=!(),]+)$/.exec(term);
    if (m) return { key: checkKey(m[1], where), operator: 'DoesNotExist', values: [] };
    m = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term);
    if (m) {
      const values = m[3].split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '') throw new LabelSelectorError(`${where}: "${m[2]}" needs at least one value`);
      values.forEach((v) => checkValue(v, where));
      return { key: checkKey(m[1], where), operator: m[2] === 'in' ? 'In' : 'NotIn', values };
    }
    m = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(term);
    if (m) {
      return { key: checkKey(m[1], where), operator: m[2] === '!=' ? 'NotIn' : 'In', values: [checkValue(m[3], where)] };
    }
    m = /^([^\s=!(),]+)$/.exec(term);
    if (m) return { key: checkKey(m[1], where), operator: 'Exists', values: [] };
    throw new LabelSelectorError(`${where}: expected key, !key, key=value, key==value, key!=value, key in (a,b) or key notin (a,b)`);
  });
}

export interface LabelSelectorObject {
  matchLabels?: Record<string, string>;
  matchExpressions?: { key: string; operator: string; values?: string[] }[];
}

/** The object form; `matchExpressions` operators are In, NotIn, Exists, DoesNotExist. */
export function fromSelectorObject(sel: LabelSelectorObject): Requirement[] {
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, value]) => ({
    key: checkKey(key, 'matchLabels'),
    operator: 'In' as const,
    values: [checkValue(String(value), `matchLabels.${key}`)],
  }));
  for (const [i, e] of (sel.matchExpressions ?? []).entries()) {
    const where = `matchExpressions[${i}]`;
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) throw new LabelSelectorError(`${where}: operator must be In, NotIn, Exists or DoesNotExist`);
    const values = e.values ?? [];
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) throw new LabelSelectorError(`${where}: ${e.operator} needs values`);
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) throw new LabelSelectorError(`${where}: ${e.operator} takes no values`);
    values.forEach((v) => checkValue(v, where));
    reqs.push({ key: checkKey(e.key, where), operator: e.operator as Operator, values });
  }
  return reqs;
}

export function matches(requirements: Requirement[], labels: Labels): boolean {
  return requirements.every((r) => {
    const has = Object.prototype.hasOwnProperty.call(labels, r.key);
    switch (r.operator) {
      case 'Exists':
        return has;
      case 'DoesNotExist':
        return !has;
      case 'In':
        return has && r.values.includes(labels[r.key]);
      case 'NotIn':
        return !has || !r.values.includes(labels[r.key]);
    }
  });
}

// Kubernetes label selectors: the string syntax of `kubectl -l` (`env=prod,tier!=edge`,
// `region in (eu, us)`, `!canary`) and the object form of Application destinations
// (`matchLabels` / `matchExpressions`). Both compile to one list of requirements.
import { InvalidInputError } from './errors';

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
/** a label value (at most 63 characters, which the pattern itself bounds) */
export const LABEL_VALUE = VALUE;

export class LabelSelectorError extends InvalidInputError {}

export function validLabelKey(key: string): boolean {
  return KEY.test(key) && (key.includes('/') ? key.split('/')[0].length <= 253 : true);
}

export function validLabelValue(value: string): boolean {
  return value.length <= 63 && VALUE.test(value);
}

// Messages say where a problem is (term number, character offset, field) and what is wrong,
// never what the text there says: a selector is client input, and errors reach logs and the
// audit log. A key is named only once it is known to be a valid label key.
function checkKey(key: string, where: string): string {
  if (!validLabelKey(key))
    throw new LabelSelectorError(`${where}: the key is not a valid label key (name of at most 63 characters, optionally prefixed by a DNS subdomain and "/")`);
  return key;
}

function checkValue(value: string, where: string): string {
  if (!validLabelValue(value))
    throw new LabelSelectorError(
      `${where}: a value is not a valid label value (at most 63 characters: letters, digits, "-", "_", ".", beginning and ending with a letter or digit)`,
    );
  return value;
}

interface Term {
  text: string;
  /** 1-based character offset of the term in the selector */
  at: number;
}

/** Splits at commas that are not inside parentheses. */
function splitTerms(text: string): Term[] {
  const terms: Term[] = [];
  let depth = 0;
  let opened = 0;
  let start = 0;
  const push = (end: number) => {
    const raw = text.slice(start, end);
    terms.push({ text: raw.trim(), at: start + (raw.length - raw.trimStart().length) + 1 });
  };
  for (let i = 0; i < text.length; i++) {
    const ch = text[i];
    if (ch === '(' && depth++ === 0) opened = i + 1;
    if (ch === ')') depth--;
    if (depth < 0) throw new LabelSelectorError(`selector: unbalanced ")" at character ${i + 1}`);
    if (ch === ',' && depth === 0) {
      push(i);
      start = i + 1;
    }
  }
  if (depth !== 0) throw new LabelSelectorError(`selector: unbalanced "(" (opened at character ${opened})`);
  push(text.length);
  return terms;
}

/** Parses the string syntax; an empty selector selects everything. */
export function parseSelector(text: string): Requirement[] {
  if (text.trim() === '') return [];
  if (text.length > 4096) throw new LabelSelectorError('selector is longer than 4096 characters');
  return splitTerms(text).map(({ text: term, at }, i) => {
    const where = `selector term ${i + 1} (character ${at})`;
    if (term === '') throw new LabelSelectorError(`${where}: empty term (stray comma?)`);
    let m = /^!\s*([^\s=!(),]+)$/.exec(term);
    if (m) return { key: checkKey(m[1], where), operator: 'DoesNotExist', values: [] };
    m = /^([^\s=!(),]+)\s+(in|notin)\s*\(([^()]*)\)$/.exec(term);
    if (m) {
      const values = m[3].split(',').map((v) => v.trim());
      if (values.length === 1 && values[0] === '') throw new LabelSelectorError(`${where}: "${m[2]}" needs at least one value`);
      const key = checkKey(m[1], where);
      values.forEach((v) => checkValue(v, where));
      return { key, operator: m[2] === 'in' ? 'In' : 'NotIn', values };
    }
    m = /^([^\s=!(),]+)\s*(==|=|!=)\s*([^\s=!(),]*)$/.exec(term);
    if (m) {
      const key = checkKey(m[1], where);
      return { key, operator: m[2] === '!=' ? 'NotIn' : 'In', values: [checkValue(m[3], where)] };
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
  const reqs: Requirement[] = Object.entries(sel.matchLabels ?? {}).map(([key, value], i) => {
    const valid = checkKey(key, `matchLabels key ${i + 1}`);
    return { key: valid, operator: 'In' as const, values: [checkValue(String(value), `matchLabels.${valid}`)] };
  });
  for (const [i, e] of (sel.matchExpressions ?? []).entries()) {
    const where = `matchExpressions[${i}]`;
    if (!['In', 'NotIn', 'Exists', 'DoesNotExist'].includes(e.operator)) throw new LabelSelectorError(`${where}: operator must be In, NotIn, Exists or DoesNotExist`);
    const values = e.values ?? [];
    if ((e.operator === 'In' || e.operator === 'NotIn') && values.length === 0) throw new LabelSelectorError(`${where}: ${e.operator} needs values`);
    if ((e.operator === 'Exists' || e.operator === 'DoesNotExist') && values.length > 0) throw new LabelSelectorError(`${where}: ${e.operator} takes no values`);
    const key = checkKey(e.key, where);
    values.forEach((v) => checkValue(v, where));
    reqs.push({ key, operator: e.operator as Operator, values });
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

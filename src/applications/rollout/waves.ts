// A rollout's waves (SPEC §1 Rollouts), pure: the definition as stored with its defaults filled
// and checked, and which targets belong to which wave, in the order they are released.
// Targets that match no wave form the last wave, `rest`: nobody is ever silently left out.
import { fromSelectorObject, LabelSelectorError, matches, validLabelKey, type LabelSelectorObject } from '../../shared/label-selector';
import { DNS_LABEL } from '../../common/validation';
import { InvalidInputError } from '../../shared/errors';
import type { RolloutSpec, WaveSpec } from './rollout.entity';

export const REST_WAVE = 'rest';
const PERCENT = /^([1-9][0-9]?|100)%$/;
const ORDER_BY = 'cluster.labels.';

export interface RolloutInput {
  waves: Array<{ name: string; clusterSelector?: LabelSelectorObject; clusters?: string[]; maxParallel?: number | string | null; soakSeconds?: number; approval?: boolean }>;
  orderBy?: string | null;
  onFailure?: 'halt' | 'rollback';
  unreachableSeconds?: number;
  unreachable?: 'halt' | 'skip';
}

/** The definition as stored; 400 naming the field for anything that cannot work. */
export function rolloutSpecOf(input: RolloutInput): RolloutSpec {
  if (!input.waves.length) throw new InvalidInputError('rollout.waves: name at least one wave');
  const seen = new Set<string>();
  const waves = input.waves.map((w, i): WaveSpec => {
    const at = `rollout.waves[${i}]`;
    if (!DNS_LABEL.test(w.name)) throw new InvalidInputError(`${at}.name: "${w.name.slice(0, 80)}" must be a DNS-1123 label (lowercase letters, digits and '-')`);
    if (w.name === REST_WAVE) throw new InvalidInputError(`${at}.name: "${REST_WAVE}" is the implicit last wave of targets that match no other; choose another name`);
    if (seen.has(w.name)) throw new InvalidInputError(`${at}.name: "${w.name}" is used by an earlier wave`);
    seen.add(w.name);
    if (!!w.clusterSelector === !!w.clusters) throw new InvalidInputError(`${at}: give exactly one of clusterSelector and clusters`);
    if (w.clusterSelector) {
      try {
        fromSelectorObject(w.clusterSelector);
      } catch (e) {
        if (e instanceof LabelSelectorError) throw new InvalidInputError(`${at}.clusterSelector: ${e.message}`);
        throw e;
      }
    }
    if (w.clusters && !w.clusters.length) throw new InvalidInputError(`${at}.clusters: name at least one cluster`);
    const maxParallel = w.maxParallel ?? null;
    if (maxParallel !== null && typeof maxParallel !== 'string' && typeof maxParallel !== 'number')
      throw new InvalidInputError(`${at}.maxParallel: must be a count (1 or more) or a percentage from 1% to 100%`);
    if (typeof maxParallel === 'string' && !PERCENT.test(maxParallel))
      throw new InvalidInputError(`${at}.maxParallel: "${maxParallel.slice(0, 20)}" must be a count (1 or more) or a percentage from 1% to 100%`);
    if (typeof maxParallel === 'number' && (!Number.isInteger(maxParallel) || maxParallel < 1))
      throw new InvalidInputError(`${at}.maxParallel: must be a count (1 or more) or a percentage from 1% to 100%`);
    return {
      name: w.name,
      ...(w.clusterSelector ? { clusterSelector: { ...w.clusterSelector } } : {}),
      ...(w.clusters ? { clusters: [...new Set(w.clusters)] } : {}),
      maxParallel,
      soakSeconds: w.soakSeconds ?? 0,
      approval: w.approval ?? false,
    };
  });
  const orderBy = input.orderBy ?? null;
  if (orderBy !== null && !(orderBy.startsWith(ORDER_BY) && validLabelKey(orderBy.slice(ORDER_BY.length)))) {
    throw new InvalidInputError(`rollout.orderBy: "${orderBy.slice(0, 80)}" must be cluster.labels.KEY with a valid label key`);
  }
  return { waves, orderBy, onFailure: input.onFailure ?? 'halt', unreachableSeconds: input.unreachableSeconds ?? 600, unreachable: input.unreachable ?? 'halt' };
}

/** The clusters the waves name, for the caller to check they are registered. */
export function namedClusters(spec: RolloutSpec): string[] {
  return [...new Set(spec.waves.flatMap((w) => w.clusters ?? []))];
}

export interface WaveMember {
  cluster: string;
  namespace: string;
}

/**
 * The targets of each wave, in release order, plus `rest` last. A target matched by two waves
 * belongs to the first. Inside a wave: by the `orderBy` label's value (clusters without it
 * last), then cluster name, then namespace.
 */
export function assignWaves(spec: RolloutSpec, targets: readonly WaveMember[], labelsOf: (cluster: string) => Record<string, string>): { name: string; members: WaveMember[] }[] {
  const selectors = spec.waves.map((w) => (w.clusterSelector ? fromSelectorObject(w.clusterSelector) : null));
  const waves = [...spec.waves.map((w) => ({ name: w.name, members: [] as WaveMember[] })), { name: REST_WAVE, members: [] as WaveMember[] }];
  for (const t of targets) {
    const labels = labelsOf(t.cluster);
    const i = spec.waves.findIndex((w, k) => (w.clusters ? w.clusters.includes(t.cluster) : matches(selectors[k]!, labels)));
    waves[i < 0 ? waves.length - 1 : i].members.push({ cluster: t.cluster, namespace: t.namespace });
  }
  const key = spec.orderBy?.slice(ORDER_BY.length);
  for (const w of waves) {
    w.members.sort((a, b) => {
      if (key) {
        const va = labelsOf(a.cluster)[key];
        const vb = labelsOf(b.cluster)[key];
        if (va !== vb) return va === undefined ? 1 : vb === undefined ? -1 : va.localeCompare(vb, 'en', { numeric: true });
      }
      return a.cluster.localeCompare(b.cluster) || a.namespace.localeCompare(b.namespace);
    });
  }
  return waves;
}

/** How many of a wave's targets may be in flight at once. */
export function parallelLimit(maxParallel: number | string | null, size: number): number {
  if (maxParallel === null) return Math.max(1, size);
  if (typeof maxParallel === 'number') return maxParallel;
  return Math.max(1, Math.ceil((size * Number(maxParallel.slice(0, -1))) / 100));
}

/** The spec of wave `name` (the implicit `rest` wave: all at once, no soak, no approval). */
export function waveSpec(spec: RolloutSpec, name: string): WaveSpec {
  return spec.waves.find((w) => w.name === name) ?? { name: REST_WAVE, maxParallel: null, soakSeconds: 0, approval: false };
}

// What a command prints: a table for people, JSON or YAML for scripts (-o json|yaml). Colours only
// when the stream is a terminal and NO_COLOR is not set (https://no-color.org).
import { stringify } from 'yaml';
import { CliError } from './errors';

export type Format = 'table' | 'json' | 'yaml' | 'wide';

export function parseFormat(value: string | undefined): Format {
  const f = (value ?? 'table').toLowerCase();
  if (f === 'table' || f === 'json' || f === 'yaml' || f === 'wide') return f;
  throw new CliError(`unknown output format "${value}"`, 'use -o table, wide, json or yaml');
}

export function colorsOn(stream: NodeJS.WriteStream, env: NodeJS.ProcessEnv = process.env): boolean {
  if (env.NO_COLOR !== undefined && env.NO_COLOR !== '') return false;
  return stream.isTTY === true && env.TERM !== 'dumb';
}

export interface Paint {
  green(s: string): string;
  yellow(s: string): string;
  red(s: string): string;
  dim(s: string): string;
  bold(s: string): string;
  /** a status word in the colour its meaning has */
  status(s: string): string;
}

const GOOD = new Set(['Synced', 'Healthy', 'Connected', 'Succeeded', 'Ready', 'delivered', 'ok', 'true', 'success', 'Completed']);
const WARN = new Set([
  'OutOfSync',
  'Progressing',
  'Pending',
  'Running',
  'Queued',
  'Waiting',
  'pending',
  'Suspended',
  'Unknown',
  'Missing',
  'Interrupted',
  'Paused',
  'AwaitingApproval',
  'Soaking',
  'Syncing',
  'RollingBack',
  'Superseded',
]);
const BAD = new Set(['Degraded', 'Failed', 'Blocked', 'Gone', 'Unreachable', 'Unauthorized', 'Error', 'failed', 'false', 'failure', 'denied', 'Halted', 'RolledBack']);

export function paint(on: boolean): Paint {
  const wrap = (code: string) => (s: string) => (on && s ? `\x1b[${code}m${s}\x1b[0m` : s);
  const p = { green: wrap('32'), yellow: wrap('33'), red: wrap('31'), dim: wrap('2'), bold: wrap('1') };
  return {
    ...p,
    status: (s: string) => (GOOD.has(s) ? p.green(s) : WARN.has(s) ? p.yellow(s) : BAD.has(s) ? p.red(s) : s),
  };
}

// eslint-disable-next-line no-control-regex -- matches the ESC that starts an ANSI colour sequence
const ANSI = /\x1b\[[0-9;]*[A-Za-z]/g;
export const visibleLength = (s: string) => s.replace(ANSI, '').length;

/** Columns separated by three spaces, headers upper case; cells are already painted. */
export function table(headers: string[], rows: string[][]): string {
  const widths = headers.map((h, i) => Math.max(h.length, ...rows.map((r) => visibleLength(r[i] ?? ''))));
  const line = (cells: string[]) =>
    cells
      .map((c, i) => (i === cells.length - 1 ? c : c + ' '.repeat(widths[i] - visibleLength(c))))
      .join('   ')
      .replace(/\s+$/, '');
  return [line(headers.map((h) => h.toUpperCase())), ...rows.map((r) => line(r.map((c) => c ?? '')))].join('\n') + '\n';
}

/** Key/value lines: `Name:   web`. */
export function fields(pairs: [string, string][]): string {
  const width = Math.max(...pairs.map(([k]) => k.length)) + 1;
  return pairs.map(([k, v]) => `${(k + ':').padEnd(width + 1)} ${v}`).join('\n') + '\n';
}

/** Data as JSON or YAML; undefined for table formats (the caller prints its own table). */
export function structured(format: Format, data: unknown): string | undefined {
  if (format === 'json') return JSON.stringify(data, null, 2) + '\n';
  if (format === 'yaml') return stringify(data, { lineWidth: 0 });
  return undefined;
}

/** "3m ago", "2h ago", "-" for null. */
export function ago(iso: string | null | undefined, now = Date.now()): string {
  if (!iso) return '-';
  const s = Math.max(0, Math.round((now - Date.parse(iso)) / 1000));
  if (s < 60) return `${s}s ago`;
  if (s < 3600) return `${Math.floor(s / 60)}m ago`;
  if (s < 86_400) return `${Math.floor(s / 3600)}h ago`;
  return `${Math.floor(s / 86_400)}d ago`;
}

/** 42 → "42s", 252 → "4m12s", 3900 → "1h5m" */
export function secondsText(total: number): string {
  const s = Math.max(0, Math.round(total));
  if (s < 60) return `${s}s`;
  if (s < 3600) return `${Math.floor(s / 60)}m${s % 60 ? `${s % 60}s` : ''}`;
  const m = Math.floor((s % 3600) / 60);
  return `${Math.floor(s / 3600)}h${m ? `${m}m` : ''}`;
}

/** A moment to come or gone, to the minute in UTC and relative: "2025-06-02 22:00 UTC (in 3h)". */
export function moment(iso: string, now = Date.now()): string {
  const at = Date.parse(iso);
  const text = `${new Date(at).toISOString().slice(0, 16).replace('T', ' ')} UTC`;
  return at >= now ? `${text} (in ${secondsText((at - now) / 1000)})` : `${text} (${ago(iso, now)})`;
}

export function duration(startIso: string | null | undefined, endIso: string | null | undefined): string {
  if (!startIso || !endIso) return '-';
  const ms = Date.parse(endIso) - Date.parse(startIso);
  return ms < 10_000 ? `${(ms / 1000).toFixed(1)}s` : `${Math.round(ms / 1000)}s`;
}

export function labelsText(labels: Record<string, string> | undefined): string {
  const entries = Object.entries(labels ?? {});
  return entries.length ? entries.map(([k, v]) => `${k}=${v}`).join(',') : '-';
}

/** One line of a longer text, cut to `max` visible characters. */
export function short(text: string | null | undefined, max = 80): string {
  if (!text) return '';
  const one = text.replace(/\s+/g, ' ').trim();
  return one.length > max ? `${one.slice(0, max - 1)}…` : one;
}

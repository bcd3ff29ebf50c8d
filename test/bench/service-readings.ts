// What a bench reads about a service process from outside it: CPU and memory from /proc (its
// own, not the script's), and the API requests it counts itself in /metrics.
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';

const TICKS = Number(execFileSync('getconf', ['CLK_TCK'], { encoding: 'utf8' }).trim());

/** CPU seconds of the process itself and of the children it has waited for (git), from /proc. */
export function cpuOf(pid: number): { own: number; children: number } {
  const text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  const f = text
    .slice(text.lastIndexOf(')') + 2)
    .split(' ')
    .map(Number);
  return { own: (f[11] + f[12]) / TICKS, children: (f[13] + f[14]) / TICKS };
}

/** Resident memory now (VmRSS) and its peak so far (VmHWM), MiB. */
export function memoryOf(pid: number): { rss: number; peak: number } {
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kib = (field: string) => Number(new RegExp(`${field}:\\s+(\\d+) kB`).exec(status)![1]);
  return { rss: kib('VmRSS') / 1024, peak: kib('VmHWM') / 1024 };
}

/** `flotilla_kube_requests_total` of a /metrics text, summed over clusters, by verb (GET, PATCH, dryrun, WATCH, …). */
export function kubeRequestsByVerb(metricsText: string): Record<string, number> {
  const byVerb: Record<string, number> = {};
  for (const line of metricsText.split('\n')) {
    const m = /^flotilla_kube_requests_total\{(.*)\}\s+(\S+)$/.exec(line);
    const verb = m && /(?:^|,)verb="([^"]*)"/.exec(m[1])?.[1];
    if (verb) byVerb[verb] = (byVerb[verb] ?? 0) + Number(m[2]);
  }
  return byVerb;
}

/** What `after` counted beyond `before`, per key (every key of either; zeros kept). */
export function difference(before: Record<string, number>, after: Record<string, number>): Record<string, number> {
  const keys = [...new Set([...Object.keys(before), ...Object.keys(after)])].sort();
  return Object.fromEntries(keys.map((k) => [k, (after[k] ?? 0) - (before[k] ?? 0)]));
}

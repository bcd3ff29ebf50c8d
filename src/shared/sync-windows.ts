// Sync windows (issue 25): when automated syncs may run. Pure: no Nest, no I/O, no clock (the
// caller passes `now`). What croner answered is remembered per schedule to keep repeated
// evaluations cheap; that changes no answer, except that a search cut short by its budget (see
// SEARCH_BUDGET) goes on from there the next time.
//
// Schedules are read by croner, not by a parser of ours. It has no dependencies, takes IANA time
// zones through Intl, and documents its daylight-saving rules: a schedule of one fixed local time
// ("30 2 * * *") whose time falls into the spring-forward gap fires at the first valid time after
// it, and one whose time occurs twice in autumn fires once; a schedule with a wildcard, list or
// step in minute or hour ("*/30 2 * * *") skips the gap and fires on both repeats. Those are
// Vixie cron's rules. The alternative, `cron` (installed already under @nestjs/schedule), needs
// luxon and measured 5-10 times slower per next-run lookup here (0.6-1 ms against 0.05-0.2 ms),
// which counts because windows are judged for every application on every status read.
import { Cron, CronPattern } from 'croner';

export const WINDOW_KINDS = ['allow', 'deny'] as const;
export type WindowKind = (typeof WINDOW_KINDS)[number];

export interface SyncWindow {
  kind: WindowKind;
  /** five-field cron (minute hour day-of-month month day-of-week) in timeZone: when the window opens */
  schedule: string;
  /** how long it stays open after each start, in elapsed minutes (a DST change neither adds nor removes any) */
  durationMinutes: number;
  /** IANA name */
  timeZone: string;
  /** a manual sync may run while this deny window is active, or (allow) while no allow window is */
  manualSync: boolean;
}

/** a window as written by a person (API body, configuration), before windowProblem */
export interface WindowInput {
  kind?: unknown;
  schedule?: unknown;
  durationMinutes?: unknown;
  timeZone?: unknown;
  manualSync?: unknown;
}

export interface WindowVerdict {
  /** automated runs (schedule, webhook, selfHeal, rollout waves) may run now */
  allowed: boolean;
  /** a manual sync (or rollback) may run now */
  manualAllowed: boolean;
  /** blocked: the earliest time automated runs become allowed (null if never within a year); allowed: when they next stop being allowed (null: no window will block) */
  until: Date | null;
  /** blocked: why, in words; null when allowed */
  reason: string | null;
  /** the windows active at `now` */
  active: SyncWindow[];
}

export const MAX_DURATION_MINUTES = 7 * 24 * 60;
const MAX_SCHEDULE_LENGTH = 128;
const WINDOW_KEYS = ['kind', 'schedule', 'durationMinutes', 'timeZone', 'manualSync'];
const MINUTE = 60_000;
/** how far ahead `until` is looked for */
const HORIZON_MS = 366 * 24 * 60 * MINUTE;
/**
 * Cron lookups one evaluation may spend finding `until` (each 0.05-0.6 ms). Ordinary windows need
 * a handful. Only a window whose firings chain into one long stretch — every 6 hours for 10 hours,
 * active for good, or a daily 24-hour window — needs hundreds; then `until` is the
 * furthest instant checked, the reason says "at least", and the next evaluation goes on from there.
 */
const SEARCH_BUDGET = 200;

/** null when fine, else a message starting with `at` naming the field, e.g. `syncWindows[2].schedule: ...` */
export function windowProblem(w: WindowInput, at: string): string | null {
  if (typeof w !== 'object' || w === null || Array.isArray(w)) {
    return `${at}: expected a window {kind, schedule, durationMinutes, timeZone?, manualSync?}, got ${shown(w)}`;
  }
  const unknown = Object.keys(w).find((k) => !WINDOW_KEYS.includes(k));
  if (unknown !== undefined) return `${at}.${unknown}: unknown key (a window has ${WINDOW_KEYS.join(', ')})`;
  if (!WINDOW_KINDS.includes(w.kind as WindowKind)) return `${at}.kind: expected allow or deny, got ${shown(w.kind)}`;
  const schedule = scheduleProblem(w.schedule);
  if (schedule) return `${at}.schedule: ${schedule}`;
  const d = w.durationMinutes;
  if (typeof d !== 'number' || !Number.isInteger(d) || d < 1 || d > MAX_DURATION_MINUTES) {
    return `${at}.durationMinutes: expected whole minutes from 1 to ${MAX_DURATION_MINUTES} (a week), got ${shown(d)}`;
  }
  if (w.timeZone != null && (typeof w.timeZone !== 'string' || !isTimeZone(w.timeZone))) {
    return `${at}.timeZone: ${shown(w.timeZone)} is not an IANA time zone (like UTC, Europe/Berlin or America/New_York)`;
  }
  if (w.manualSync != null && typeof w.manualSync !== 'boolean') return `${at}.manualSync: expected true or false, got ${shown(w.manualSync)}`;
  return null;
}

/** fills defaults (timeZone 'UTC', manualSync false); assumes windowProblem returned null */
export function windowOf(w: WindowInput): SyncWindow {
  return {
    kind: w.kind as WindowKind,
    schedule: w.schedule as string,
    durationMinutes: w.durationMinutes as number,
    timeZone: (w.timeZone as string | null | undefined) ?? 'UTC',
    manualSync: (w.manualSync as boolean | null | undefined) ?? false,
  };
}

function scheduleProblem(s: unknown): string | null {
  const form = 'a cron expression (minute hour day-of-month month day-of-week, like "0 22 * * 1-5")';
  if (typeof s !== 'string' || !s.trim() || s.length > MAX_SCHEDULE_LENGTH) return `expected ${form} of at most ${MAX_SCHEDULE_LENGTH} characters, got ${shown(s)}`;
  let cron: Cron;
  try {
    cron = new Cron(s, { mode: '5-part', utcOffset: 0 });
  } catch (e) {
    return `${shown(s)} is not ${form}: ${(e as Error).message.replace(/^CronPattern: /, '')}`;
  }
  // five-field schedules repeat (within 28 years), so one that never fires after 2000 never fires
  return cron.nextRun(new Date(Date.UTC(2000, 0, 1))) ? null : `${shown(s)} never fires (no date matches it)`;
}

/** IANA names only: Node 22+ also takes offsets like "+01:00", Node 20 does not, so neither do we */
function isTimeZone(tz: string): boolean {
  if (!/^[A-Za-z][A-Za-z0-9_+\-/]*$/.test(tz)) return false;
  try {
    new Intl.DateTimeFormat('en-US', { timeZone: tz });
    return true;
  } catch {
    return false;
  }
}

const shown = (v: unknown) => (v === undefined ? 'nothing' : JSON.stringify(v));

export function evaluateWindows(windows: SyncWindow[], now: Date): WindowVerdict {
  if (!windows.length) return { allowed: true, manualAllowed: true, until: null, reason: null, active: [] };
  const t = now.getTime();
  const all = windows.map((w) => ({ w, s: scheduleOf(w), d: w.durationMinutes * MINUTE }));
  const unlimited = { left: Infinity };
  const active = all.filter((j) => j.s.activeAt(t, j.d, unlimited));
  const activeDeny = active.filter((j) => j.w.kind === 'deny');
  const allows = all.filter((j) => j.w.kind === 'allow');
  const outsideAllows = allows.length > 0 && !active.some((j) => j.w.kind === 'allow');
  const allowed = !activeDeny.length && !outsideAllows;
  const manualAllowed = activeDeny.length ? activeDeny.every((j) => j.w.manualSync) : outsideAllows ? allows.some((j) => j.w.manualSync) : true;

  const search = new Search(all, t);
  let until: number | null;
  let exact = true;
  try {
    until = allowed ? search.blockedFrom() : search.allowedFrom();
  } catch (e) {
    if (!(e instanceof SearchStopped)) throw e;
    until = search.known;
    exact = false;
  }
  if (until !== null && until > t + HORIZON_MS) until = null;
  const verdict = { allowed, manualAllowed, until: until === null ? null : new Date(until), active: active.map((j) => j.w) };
  if (allowed) return { ...verdict, reason: null };

  // why, in words: the ends are in the memo by now (if the budget ran out: "at least")
  const limit = t + HORIZON_MS;
  const parts: string[] = [];
  let stated: number | null = null;
  for (const j of activeDeny) {
    const end = j.s.coverEnd(t, j.d, limit, { left: 0 });
    if (end.at !== null && end.exact) stated = Math.max(stated ?? 0, end.at);
    parts.push(`deny window ${named(j.w)} active until ${end.exact ? '' : 'at least '}${end.at === null ? 'more than a year from now' : iso(end.at)}`);
  }
  if (!activeDeny.length) {
    try {
      stated = search.nextStart(allows, t, { left: 8 });
      parts.push(`outside every allow window; ${stated === null ? 'none opens within a year' : `next opens ${iso(stated)}`}`);
    } catch (e) {
      if (!(e instanceof SearchStopped)) throw e;
      parts.push('outside every allow window');
    }
  }
  if (until === null) parts.push('automated syncs are not allowed within a year');
  else if (until !== stated || !exact) parts.push(`automated syncs may run from ${exact ? '' : 'at least '}${iso(until)}`);
  return { ...verdict, reason: parts.join('; ') };
}

const named = (w: SyncWindow) => `"${w.schedule}" (${w.timeZone})`;
const iso = (ms: number) => new Date(ms).toISOString();

interface Judged {
  w: SyncWindow;
  s: Schedule;
  d: number;
}

/** the budget is spent (or the search cannot go on): `until` is as far as it got */
class SearchStopped extends Error {}

/** Finds when the verdict next flips: walks window boundaries in order, from `now` up to a year on. */
class Search {
  private readonly budget = { left: SEARCH_BUDGET };
  private readonly limit: number;
  /** the verdict is known to stay as it is now on [now, known); `until` when the budget runs out */
  known: number;

  constructor(
    private readonly all: Judged[],
    private readonly now: number,
  ) {
    this.limit = now + HORIZON_MS;
    this.known = now;
  }

  /** allowed now: the first instant a deny window starts or the allow windows stop covering */
  blockedFrom(): number | null {
    const denies = this.all.filter((j) => j.w.kind === 'deny');
    const allows = this.all.filter((j) => j.w.kind === 'allow');
    const deny = denies.length ? this.nextStart(denies, this.now, this.budget) : null;
    const cap = deny ?? Infinity;
    const gap = allows.length ? this.coveredUntil(allows, this.now, (x) => (this.known = Math.max(this.known, Math.min(x, cap)))) : null;
    const first = Math.min(deny ?? Infinity, gap ?? Infinity);
    return first === Infinity ? null : first;
  }

  /** blocked now: the first instant no deny window is active and (if any exist) an allow window is */
  allowedFrom(): number | null {
    const denies = this.all.filter((j) => j.w.kind === 'deny');
    const allows = this.all.filter((j) => j.w.kind === 'allow');
    const progress = (x: number) => (this.known = Math.max(this.known, x));
    let at: number | null = this.now;
    while (at !== null && at <= this.limit) {
      progress(at);
      if (denies.some((j) => j.s.activeAt(at!, j.d, this.budget))) at = this.coveredUntil(denies, at, progress);
      else if (!allows.length || allows.some((j) => j.s.activeAt(at!, j.d, this.budget))) return at;
      else at = this.nextStart(allows, at, this.budget) ?? null;
    }
    return null;
  }

  /** the first start after `at` of any of these windows (inactive at `at`); null: none within the horizon */
  nextStart(windows: Judged[], at: number, budget: { left: number }): number | null {
    let first = Infinity;
    for (const j of windows) first = Math.min(first, j.s.after(at, budget) ?? Infinity);
    return first <= this.limit ? first : null;
  }

  /** the first instant from `at` on where none of these windows is active; null: beyond the horizon */
  private coveredUntil(windows: Judged[], at: number, progress: (x: number) => void): number | null {
    for (;;) {
      const covering = windows.filter((j) => j.s.activeAt(at, j.d, this.budget));
      if (!covering.length) return at;
      // every covering window holds from `at` to its end, so together they hold to the latest end
      let end = at;
      for (const j of covering) {
        const e = j.s.coverEnd(at, j.d, this.limit, this.budget);
        if (e.at !== null) progress(Math.max(end, e.at));
        if (!e.exact) throw new SearchStopped();
        if (e.at === null) return null;
        end = Math.max(end, e.at);
      }
      if (end <= at) throw new SearchStopped(); // never: covering windows end after `at`
      at = end;
    }
  }
}

/**
 * One schedule in one time zone, with what croner told us about it so far (bounded). croner's
 * nextRun is the cheap question (0.03-0.15 ms); previousRuns searches backwards and costs up to
 * 1 ms for a weekly schedule, so it is asked only to follow a stretch of firings closer together
 * than the window's duration.
 */
class Schedule {
  private readonly cron: Cron;
  /**
   * Fires in every hour of every day at the same minutes: then firings are never further apart
   * than the widest gap between those minutes (real time too: a wildcard hour skips the
   * spring-forward gap and fires in both repeated hours, and daylight saving moves clocks by
   * whole hours — except on Lord Howe Island), and a window at least that long is always active.
   * Saves walking "0 * * * *" for 60 minutes hour by hour for a year. Infinity: not such a schedule.
   */
  private readonly widestGap: number;
  /** x → the first firing after x (null: none); nothing fires in between. `fires`: x itself is a firing */
  private readonly firstAfterFacts = new Map<number, { next: number | null; fires: boolean }>();
  /** per duration: stretches known to be covered, from a firing to `end` (exact when closed) */
  private readonly chains = new Map<number, { from: number; last: number; end: number; closed: boolean }[]>();

  constructor(schedule: string, timeZone: string) {
    const zone = /^(Etc\/)?(UTC|GMT)$/i.test(timeZone) ? { utcOffset: 0 } : { timezone: timeZone };
    this.cron = new Cron(schedule, { mode: '5-part', ...zone });
    const p = new CronPattern(schedule, undefined, { mode: '5-part' });
    const minutes = p.minute.flatMap((v, m) => (v ? [m] : []));
    const hourly = p.hour.every((v) => v === 1) && p.month.every((v) => v === 1) && p.starDOM && p.starDOW && !/^Australia\/(Lord_Howe|LHI)$/i.test(timeZone);
    this.widestGap = hourly && minutes.length ? Math.max(...minutes.map((m, i) => (minutes[i + 1] ?? minutes[0] + 60) - m)) * MINUTE : Infinity;
  }

  private always(d: number): boolean {
    return d >= this.widestGap;
  }

  /** some firing in (t - d, t] */
  activeAt(t: number, d: number, budget: { left: number }): boolean {
    if (this.always(d)) return true;
    const first = this.firstAfter(t - d, budget);
    return first !== null && first <= t;
  }

  /** the first firing after t */
  after(t: number, budget: { left: number }): number | null {
    return this.firstAfter(t, budget);
  }

  /**
   * Active at t: the first instant after t when no firing's [start, start + d) covers it. Firings
   * closer than d chain into one stretch. `at` null: covered past `limit`; `exact` false: the
   * budget ran out and `at` is how far the stretch is known to reach.
   */
  coverEnd(t: number, d: number, limit: number, budget: { left: number }): { at: number | null; exact: boolean } {
    if (this.always(d)) return { at: null, exact: true };
    let chains = this.chains.get(d);
    if (!chains) this.chains.set(d, (chains = []));
    let c = chains.find((k) => k.from <= t && t < k.end);
    try {
      if (!c) {
        const first = this.firstAfter(t - d, budget)!;
        c = { from: first, last: first, end: first + d, closed: false };
        chains.push(c);
        if (chains.length > 16) chains.shift();
      }
      while (!c.closed && c.end <= limit) {
        const next = this.firstAfter(c.last, budget, true);
        if (next === null || next > c.end) c.closed = true;
        else {
          // the stretch goes on; with many firings inside d, jump to the last of them
          // (previousRuns) rather than walk them one by one
          c.last = (next - c.last) * 4 < d ? Math.max(next, this.lastAtOrBefore(c.end, budget)!) : next;
          c.end = c.last + d;
        }
      }
    } catch (e) {
      if (e instanceof SearchStopped) return { at: c?.end ?? t, exact: false };
      throw e;
    }
    return { at: c.closed && c.end <= limit ? c.end : null, exact: true };
  }

  /** `fires`: t is a firing itself (then it answers lastAtOrBefore too) */
  private firstAfter(t: number, budget: { left: number }, fires = false): number | null {
    for (const [x, f] of this.firstAfterFacts) if (x <= t && (f.next === null || t < f.next)) return f.next;
    spend(budget);
    const next = this.cron.nextRun(new Date(t))?.getTime() ?? null;
    this.firstAfterFacts.set(t, { next, fires });
    if (this.firstAfterFacts.size > 128) this.firstAfterFacts.delete(this.firstAfterFacts.keys().next().value!);
    return next;
  }

  private lastAtOrBefore(t: number, budget: { left: number }): number | null {
    for (const [x, f] of this.firstAfterFacts) if (f.fires && x <= t && (f.next === null || t < f.next)) return x;
    spend(budget);
    return this.cron.previousRuns(1, new Date(t + 1))[0]?.getTime() ?? null;
  }
}

function spend(budget: { left: number }): void {
  if (budget.left <= 0) throw new SearchStopped();
  budget.left--;
}

const schedules = new Map<string, Schedule>();

function scheduleOf(w: SyncWindow): Schedule {
  const key = `${w.timeZone}\n${w.schedule}`;
  let s = schedules.get(key);
  if (!s) {
    s = new Schedule(w.schedule, w.timeZone);
    schedules.set(key, s);
    if (schedules.size > 512) schedules.delete(schedules.keys().next().value!);
  }
  return s;
}

// The test bed must not outlive whoever started it. `npm run testbed` runs npm → sh → tsx → node
// (this CLI): a SIGTERM or SIGKILL to npm stops at npm and its shell, and tsx and this process
// are re-parented and would keep every kube-apiserver and etcd running. So the CLI watches the
// processes it was started under — from its parent up to its session leader (the terminal's
// shell, or npm when started with setsid / `detached: true`) — and stops the test bed as soon as
// one of them is gone. Nothing tells a process that its grandparent died; polling /proc is the
// way on Linux, and elsewhere the parent pid is watched. (The API servers and etcd are tied to
// this process in turn: cluster.ts starts them under setpriv --pdeathsig.)
import { readFileSync } from 'node:fs';

interface Stat {
  ppid: number;
  session: number;
  /** clock ticks since boot; tells a process apart from a later one with the same pid */
  startTime: string;
}

/** /proc/<pid>/stat, or undefined when the process is gone (or there is no /proc). */
function statOf(pid: number): Stat | undefined {
  let text: string;
  try {
    text = readFileSync(`/proc/${pid}/stat`, 'utf8');
  } catch {
    return undefined;
  }
  // "pid (comm) state ppid pgrp session … starttime …": comm may hold spaces and parentheses
  const fields = text.slice(text.lastIndexOf(')') + 2).split(' ');
  return { ppid: Number(fields[1]), session: Number(fields[3]), startTime: fields[19] };
}

export interface Ancestor {
  pid: number;
  startTime?: string;
}

/** This process's ancestors, parent first, up to and including its session leader (never pid 1). */
export function ancestorsToSessionLeader(): Ancestor[] {
  const self = statOf(process.pid);
  if (!self) return [{ pid: process.ppid }];
  const chain: Ancestor[] = [];
  let pid = self.ppid;
  while (pid > 1 && chain.length < 64) {
    const stat = statOf(pid);
    if (!stat) break;
    chain.push({ pid, startTime: stat.startTime });
    if (pid === self.session) break;
    pid = stat.ppid;
  }
  return chain;
}

function alive(a: Ancestor): boolean {
  if (a.startTime !== undefined) return statOf(a.pid)?.startTime === a.startTime;
  try {
    process.kill(a.pid, 0);
    return true;
  } catch (e) {
    return (e as NodeJS.ErrnoException).code === 'EPERM';
  }
}

/**
 * Calls `onGone` once, when any of `ancestors` exits or this process is re-parented. Returns a
 * function that stops watching.
 */
export function watchAncestors(onGone: (pid: number) => void, ancestors = ancestorsToSessionLeader(), intervalMs = 500): () => void {
  const parent = process.ppid;
  const timer = setInterval(() => {
    const gone = process.ppid !== parent ? parent : ancestors.find((a) => !alive(a))?.pid;
    if (gone === undefined) return;
    clearInterval(timer);
    onGone(gone);
  }, intervalMs);
  return () => clearInterval(timer);
}

// One owner for the targets table (issue 30): every write of a `targets` row goes through the
// Targets store (src/applications/targets.ts), and the queue's priorities are named in one place
// (src/applications/queue-rules.ts). Checked by reading src/, as a lint would: a write added
// anywhere else — raw SQL or TypeORM — fails here, naming the file and the line.
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { describe, expect, it } from 'vitest';

const root = join(__dirname, '..', '..');
const STORE = 'src/applications/targets.ts';
const RULES = 'src/applications/queue-rules.ts';

/** raw SQL writing the table, and TypeORM writes naming its entity (or the table) */
const WRITES: RegExp[] = [
  /\b(?:UPDATE|INSERT\s+(?:OR\s+\w+\s+)?INTO|REPLACE\s+INTO|DELETE\s+FROM)\s+["'`]?targets\b/i,
  /\.(?:insert|update|upsert|delete|save|remove|softDelete|softRemove|restore|increment|decrement|clear|preload)\(\s*(?:TargetRow\b|["'`]targets["'`])/,
  /\bgetRepository\(\s*(?:TargetRow\b|["'`]targets["'`])/,
  /\.into\(\s*(?:TargetRow\b|["'`]targets["'`])/,
];
/** a queue priority written as a number (`priority = 0`, `priority: 2`, `MIN(priority, 1)`, `priority < 2`) */
const PRIORITY_LITERAL = /\bpriority\b\s*(?:[:=<>]=?|,)\s*\d/i;

function sources(dir: string): string[] {
  return readdirSync(join(root, dir), { withFileTypes: true }).flatMap((e) => {
    const path = `${dir}/${e.name}`;
    if (e.isDirectory()) return sources(path);
    return /\.tsx?$/.test(e.name) && !e.name.endsWith('.d.ts') ? [path] : [];
  });
}

function findings(files: string[], patterns: RegExp[]): string[] {
  const found: string[] = [];
  for (const file of files) {
    readFileSync(join(root, file), 'utf8')
      .split('\n')
      .forEach((line, i) => {
        if (patterns.some((p) => p.test(line))) found.push(`${relative(root, join(root, file))}:${i + 1}: ${line.trim()}`);
      });
  }
  return found;
}

describe('the targets table', () => {
  const files = sources('src');

  it('is written by the Targets store only', () => {
    expect(
      findings(
        files.filter((f) => f !== STORE),
        WRITES,
      ),
    ).toEqual([]);
  });

  it('is written by the store in the forms looked for (so the check above cannot pass by missing them)', () => {
    const store = findings([STORE], WRITES).join('\n');
    for (const form of ['UPDATE targets', 'tx.insert(TargetRow', 'tx.update(TargetRow', 'tx.delete(TargetRow']) expect(store).toContain(form);
  });

  it('gets its queue priorities by name (queue-rules.ts), never as numbers', () => {
    expect(
      findings(
        files.filter((f) => f !== RULES && !f.endsWith('.test.ts')),
        [PRIORITY_LITERAL],
      ),
    ).toEqual([]);
    expect(findings([RULES], [/urgent: 0, soon: 1, periodic: 2/])).toHaveLength(1);
  });
});

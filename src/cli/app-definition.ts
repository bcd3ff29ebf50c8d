// The body of `app create`: from a YAML/JSON file in the API's own shape (-f app.yaml), from
// flags, or both (flags win). The shape is the generated CreateApplicationDto, so a field the
// server does not know fails to compile here rather than at the server.
import { readFileSync } from 'node:fs';
import { parse } from 'yaml';
import type { components } from './api-schema';
import { CliError } from './errors';
import { parseLabels, parseSelector, seconds } from './commands/parse';
import { readAll } from './prompt';

export type CreateApplication = components['schemas']['CreateApplicationDto'];
type Destination = components['schemas']['DestinationDto'];

export interface DefinitionFlags {
  file?: string;
  repo?: string;
  path?: string;
  revision?: string;
  dest: string[];
  destSelector: string[];
  label: string[];
  autoSync?: boolean;
  autoPrune?: boolean;
  selfHeal?: boolean;
  interval?: string;
  helmValueFile: string[];
  helmSet: string[];
}

export async function readDefinitionFile(file: string): Promise<Record<string, unknown>> {
  let text: string;
  try {
    text = file === '-' ? await readAll(process.stdin) : readFileSync(file, 'utf8');
  } catch (e) {
    throw new CliError(`cannot read ${file}: ${(e as NodeJS.ErrnoException).code ?? (e as Error).message}`);
  }
  let doc: unknown;
  try {
    doc = parse(text);
  } catch (e) {
    throw new CliError(`${file} is not valid YAML: ${(e as Error).message.split('\n')[0]}`);
  }
  if (!doc || typeof doc !== 'object' || Array.isArray(doc)) throw new CliError(`${file} must hold one application: a mapping with name, repository, path and destinations`);
  return doc as Record<string, unknown>;
}

/** `east:web` → a named cluster; `env=staging,tier!=edge:web-{{cluster.name}}` → a selector (namespace after the last colon). */
export function parseDestination(value: string, bySelector: boolean): Destination {
  const i = value.lastIndexOf(':');
  if (i <= 0 || i === value.length - 1) {
    throw new CliError(
      `"${value}" is not ${bySelector ? 'SELECTOR:NAMESPACE' : 'CLUSTER:NAMESPACE'}`,
      bySelector ? 'e.g. --dest-selector "env=staging:web-{{cluster.name}}"' : 'e.g. --dest east:web',
    );
  }
  const [where, namespace] = [value.slice(0, i), value.slice(i + 1)];
  return bySelector ? { clusterSelector: parseSelector(where), namespace } : { cluster: where, namespace };
}

/** `a.b=c` → { a: { b: "c" } }, merged into `into` */
function setPath(into: Record<string, unknown>, assignment: string): void {
  const i = assignment.indexOf('=');
  if (i <= 0) throw new CliError(`--helm-set "${assignment}" is not key=value`);
  const keys = assignment.slice(0, i).split('.');
  let node = into;
  for (const k of keys.slice(0, -1)) {
    if (typeof node[k] !== 'object' || node[k] === null) node[k] = {};
    node = node[k] as Record<string, unknown>;
  }
  node[keys[keys.length - 1]] = assignment.slice(i + 1);
}

export async function buildDefinition(name: string | undefined, flags: DefinitionFlags): Promise<CreateApplication> {
  const base = flags.file ? await readDefinitionFile(flags.file) : {};
  const body = { ...base } as Partial<CreateApplication> & Record<string, unknown>;
  if (name) body.name = name;
  if (flags.repo) body.repository = flags.repo;
  if (flags.path) body.path = flags.path;
  if (flags.revision) body.revision = flags.revision;
  const destinations = [...flags.dest.map((d) => parseDestination(d, false)), ...flags.destSelector.map((d) => parseDestination(d, true))];
  if (destinations.length) body.destinations = destinations;
  if (flags.label.length) body.labels = { ...(body.labels ?? {}), ...parseLabels(flags.label) };
  const policy: Partial<components['schemas']['SyncPolicyDto']> = { ...(body.syncPolicy ?? {}) };
  if (flags.autoSync !== undefined) policy.automated = flags.autoSync;
  if (flags.autoPrune !== undefined) policy.prune = flags.autoPrune;
  if (flags.selfHeal !== undefined) policy.selfHeal = flags.selfHeal;
  if (flags.interval) policy.intervalSeconds = seconds(flags.interval, '--interval');
  if (Object.keys(policy).length) body.syncPolicy = policy;
  if (flags.helmValueFile.length || flags.helmSet.length) {
    const helm = { ...(body.helm ?? {}) };
    if (flags.helmValueFile.length) helm.valueFiles = [...(helm.valueFiles ?? []), ...flags.helmValueFile];
    if (flags.helmSet.length) {
      const values = structuredClone(helm.values ?? {}) as Record<string, unknown>;
      for (const s of flags.helmSet) setPath(values, s);
      helm.values = values;
    }
    body.helm = helm;
  }
  const missing = (['name', 'repository', 'path'] as const).filter((k) => !body[k]);
  if (missing.length) throw new CliError(`the application needs ${missing.join(', ')}`, 'give them as flags (NAME, --repo, --path) or in the file of -f');
  body.destinations ??= [];
  return body as CreateApplication;
}

// The application page's chart: every sync run in the range as a point — when it started, how
// long it took, its outcome by colour — for all targets or one, from GET
// /api/v1/applications/:name/summaries/runs (the database filters and caps; newest first).
import { type ReactNode, useCallback, useMemo, useState } from 'react';
import uPlot from 'uplot';
import { type ApplicationRunsSummary, summaries } from '../../api/client';
import { useLoad } from '../../hooks';
import { ErrorBox, Loading } from '../Status';
import { axes, Chart, RangeSelect, rangeName, SECOND } from './Chart';
import { PHASE_COLOURS, type ChartTheme } from './theme';

const PHASES = ['Succeeded', 'Failed', 'Blocked', 'Interrupted'] as const;

const seconds = (ms: number | null) => (ms === null ? '—' : (ms / 1000).toFixed(ms < 10_000 ? 2 : 1));
const startTime = (iso: string) => SECOND.format(new Date(iso));

export function ApplicationRunsChart({ application, targets, version }: { application: string; targets: { cluster: string; namespace: string }[]; version?: unknown }) {
  const [hours, setHours] = useState(24);
  const [target, setTarget] = useState('');
  const chosen = useMemo(() => targets.find((t) => `${t.cluster}/${t.namespace}` === target), [targets, target]);
  const runs = useLoad(() => summaries.applicationRuns(application, hours, chosen), [application, hours, chosen?.cluster, chosen?.namespace, version]);

  const controls = (
    <div className="chart-controls">
      <label className="chart-control">
        Target
        <select value={target} onChange={(e) => setTarget(e.target.value)} aria-label="Target">
          <option value="">all targets</option>
          {targets.map((t) => (
            <option key={`${t.cluster}/${t.namespace}`} value={`${t.cluster}/${t.namespace}`}>
              {t.cluster}/{t.namespace}
            </option>
          ))}
        </select>
      </label>
      <RangeSelect hours={hours} onChange={setHours} label="Range" />
    </div>
  );

  return (
    <section className="chart-section" aria-labelledby="runs-chart-h">
      <h2 id="runs-chart-h">Sync runs over time</h2>
      <ErrorBox error={runs.error} />
      {runs.data ? <RunsScatter summary={runs.data} controls={controls} target={target || null} /> : runs.error ? null : <Loading what="sync runs" />}
    </section>
  );
}

function RunsScatter({ summary, controls, target }: { summary: ApplicationRunsSummary; controls: ReactNode; target: string | null }) {
  // oldest first, as uPlot wants x ascending; one series per outcome, null where another outcome is
  const oldest = useMemo(() => [...summary.runs].reverse(), [summary]);
  const data = useMemo<uPlot.AlignedData>(
    () => [oldest.map((r) => Date.parse(r.startedAt) / 1000), ...PHASES.map((p) => oldest.map((r) => (r.phase === p && r.durationMs !== null ? r.durationMs / 1000 : null)))],
    [oldest],
  );
  const options = useCallback(
    (theme: ChartTheme): Omit<uPlot.Options, 'width' | 'height'> => ({
      scales: {
        // the runs' span with some room either side, at least a minute: points at the edges stay whole
        x: {
          time: true,
          range: (_u, min, max) => {
            const pad = Math.max(30, (max - min) * 0.05);
            return [min - pad, max + pad];
          },
        },
        y: { range: (_u, _min, max) => [0, Math.max(1, max * 1.1)] },
      },
      axes: axes(theme, { label: 'seconds', labelFont: theme.font }),
      cursor: { points: { show: false } },
      series: [
        {},
        ...PHASES.map((p) => ({
          label: p,
          stroke: theme.color(PHASE_COLOURS[p]),
          fill: theme.color(PHASE_COLOURS[p]),
          paths: () => null,
          points: { show: true, size: 8, width: 1, stroke: theme.color(PHASE_COLOURS[p]), fill: theme.color(PHASE_COLOURS[p]) },
        })),
      ],
    }),
    [],
  );
  const counts = Object.fromEntries(PHASES.map((p) => [p, summary.runs.filter((r) => r.phase === p).length]));
  const finished = summary.runs.filter((r) => r.durationMs !== null);
  const longest = finished.reduce((m, r) => Math.max(m, r.durationMs ?? 0), 0);
  const whose = target ? `of ${target}` : 'of all targets';
  return (
    <Chart
      id="application-runs"
      title={`Duration and outcome of each sync run ${whose}`}
      summary={`Scatter chart of ${summary.runs.length} sync runs ${whose}, ${rangeName(summary.hours)}: ${PHASES.map((p) => `${counts[p]} ${p.toLowerCase()}`).join(', ')}; the longest took ${seconds(longest)} s.`}
      controls={controls}
      empty={summary.runs.length ? null : `No sync run ${whose} in the ${rangeName(summary.hours)}.`}
      options={options}
      data={data}
      legend={PHASES.map((p) => ({ label: `${p} (${counts[p]})`, colour: `var(${PHASE_COLOURS[p]})` }))}
      readout={(i) => {
        const r = oldest[i];
        return r ? `run #${r.id} ${r.cluster}/${r.namespace}: ${r.phase}, ${seconds(r.durationMs)} s, started ${startTime(r.startedAt)} (${r.trigger})` : '';
      }}
      table={{
        caption: `Sync runs ${whose} that started in the ${rangeName(summary.hours)}, newest first${summary.truncated ? ` (the newest ${summary.runs.length} only)` : ''}`,
        columns: ['Run', 'Started', 'Target', 'Outcome', 'Duration (s)'],
        rows: summary.runs.map((r) => (
          <tr key={r.id} data-run={r.id}>
            <th scope="row">#{r.id}</th>
            <td>{startTime(r.startedAt)}</td>
            <td data-target="">
              {r.cluster}/{r.namespace}
            </td>
            <td data-phase="">{r.phase}</td>
            <td className="num" data-duration-ms={r.durationMs ?? ''}>
              {seconds(r.durationMs)}
            </td>
          </tr>
        )),
      }}
    />
  );
}

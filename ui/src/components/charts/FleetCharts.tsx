// The fleet page's charts: sync runs per bucket by phase and targets by health at the end of each
// bucket (stacked bars both), from GET /api/v1/summaries/runs and /health — counted by
// the database, one row per bucket. Loaded with the page and on Reload or a change of range.
import { useCallback, useMemo, useState } from 'react';
import uPlot from 'uplot';
import { type HealthSummary, type RunsSummary, summaries } from '../../api/client';
import { useLoad } from '../../hooks';
import { ErrorBox, Loading } from '../Status';
import { axes, bucketName, bucketRange, bucketTime, Chart, COUNT_STEPS, RangeSelect, rangeName, stacked } from './Chart';
import { HEALTH_COLOURS, PHASE_COLOURS, type ChartTheme } from './theme';

const PHASES = ['Succeeded', 'Failed', 'Blocked', 'Interrupted', 'Running'] as const;
const HEALTHS = ['Healthy', 'Progressing', 'Degraded', 'Suspended', 'Missing', 'Unknown'] as const;

export function FleetCharts({ version }: { version?: unknown }) {
  const [hours, setHours] = useState(24);
  const runs = useLoad(() => summaries.runs(hours), [hours, version]);
  const health = useLoad(() => summaries.health(hours), [hours, version]);
  const reload = () => {
    runs.reload();
    health.reload();
  };
  return (
    <section className="chart-section" aria-labelledby="fleet-charts-h">
      <div className="toolbar">
        <h2 id="fleet-charts-h">Runs and health over time</h2>
        <RangeSelect hours={hours} onChange={setHours} label="Range" />
        <button type="button" onClick={reload} disabled={runs.loading || health.loading}>
          Reload
        </button>
      </div>
      <ErrorBox error={runs.error ?? health.error} />
      <div className="charts">
        {runs.data ? <RunsChart summary={runs.data} /> : runs.error ? null : <Loading what="sync runs" />}
        {health.data ? <HealthChart summary={health.data} /> : health.error ? null : <Loading what="target health" />}
      </div>
    </section>
  );
}

/** x: bucket starts in seconds (uPlot's time unit) */
const xs = (buckets: { start: string }[]) => buckets.map((b) => Date.parse(b.start) / 1000);

function RunsChart({ summary }: { summary: RunsSummary }) {
  const per = bucketName(summary.bucketSeconds);
  const totals = useMemo(() => Object.fromEntries(PHASES.map((p) => [p, summary.buckets.reduce((n, b) => n + b.phases[p], 0)])), [summary]);
  // drawn largest first: the running total of every phase, then of all but the last, …
  const data = useMemo<uPlot.AlignedData>(() => {
    const bands = stacked(PHASES.map((p) => summary.buckets.map((b) => b.phases[p])));
    return [xs(summary.buckets), ...bands.reverse()];
  }, [summary]);
  const options = useCallback(
    (theme: ChartTheme): Omit<uPlot.Options, 'width' | 'height'> => ({
      scales: { x: { time: true, range: () => bucketRange(summary.buckets, summary.bucketSeconds) }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: axes(theme, { label: 'runs', labelFont: theme.font, incrs: COUNT_STEPS }),
      series: [
        {},
        ...[...PHASES].reverse().map((p) => ({
          label: p,
          fill: theme.color(PHASE_COLOURS[p]),
          stroke: theme.color(PHASE_COLOURS[p]),
          width: 0,
          paths: uPlot.paths.bars!({ size: [0.7, 48] }),
          points: { show: false },
        })),
      ],
    }),
    [summary],
  );
  const all = summary.buckets.reduce((n, b) => n + b.total, 0);
  return (
    <Chart
      id="fleet-runs"
      title={`Sync runs per ${per} by phase`}
      summary={`Bar chart of sync runs per ${per}, ${rangeName(summary.hours)}: ${all} runs, ${PHASES.map((p) => `${totals[p]} ${p.toLowerCase()}`).join(', ')}.`}
      options={options}
      data={data}
      legend={PHASES.map((p) => ({ label: `${p} (${totals[p]})`, colour: `var(${PHASE_COLOURS[p]})` }))}
      readout={(i) => {
        const b = summary.buckets[i];
        return b
          ? `${bucketTime(b.start, summary.bucketSeconds)}: ${b.total} runs${
              b.total
                ? ` — ${PHASES.filter((p) => b.phases[p])
                    .map((p) => `${b.phases[p]} ${p}`)
                    .join(', ')}`
                : ''
            }`
          : '';
      }}
      table={{
        caption: `Sync runs that started in each ${per} (${rangeName(summary.hours)}), by their phase now`,
        columns: ['Start', ...PHASES, 'Total'],
        rows: summary.buckets.map((b) => (
          <tr key={b.start} data-start={b.start}>
            <th scope="row">{bucketTime(b.start, summary.bucketSeconds)}</th>
            {PHASES.map((p) => (
              <td key={p} className="num" data-phase={p}>
                {b.phases[p]}
              </td>
            ))}
            <td className="num" data-total="">
              {b.total}
            </td>
          </tr>
        )),
      }}
    />
  );
}

function HealthChart({ summary }: { summary: HealthSummary }) {
  const per = bucketName(summary.bucketSeconds);
  const data = useMemo<uPlot.AlignedData>(() => {
    const bands = stacked(HEALTHS.map((h) => summary.buckets.map((b) => (b.health ? b.health[h] : null))));
    return [xs(summary.buckets), ...bands.reverse()];
  }, [summary]);
  const options = useCallback(
    (theme: ChartTheme): Omit<uPlot.Options, 'width' | 'height'> => ({
      scales: { x: { time: true, range: () => bucketRange(summary.buckets, summary.bucketSeconds) }, y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
      axes: axes(theme, { label: 'targets', labelFont: theme.font, incrs: COUNT_STEPS }),
      series: [
        {},
        ...[...HEALTHS].reverse().map((h) => ({
          label: h,
          fill: theme.color(HEALTH_COLOURS[h]),
          stroke: theme.color(HEALTH_COLOURS[h]),
          width: 0,
          paths: uPlot.paths.bars!({ size: [0.7, 48] }),
          points: { show: false },
        })),
      ],
    }),
    [summary],
  );
  const latest = [...summary.buckets].reverse().find((b) => b.health)?.health ?? null;
  const sampled = summary.buckets.some((b) => b.health);
  return (
    <Chart
      id="fleet-health"
      title={`Targets by health, per ${per}`}
      summary={
        latest
          ? `Bar chart of targets by health at the end of each ${per}, ${rangeName(summary.hours)}; now ${HEALTHS.map((h) => `${latest[h]} ${h.toLowerCase()}`).join(', ')}.`
          : 'No health recorded in this range yet.'
      }
      empty={sampled ? null : 'No health recorded in this range yet.'}
      options={options}
      data={data}
      legend={HEALTHS.map((h) => ({ label: latest ? `${h} (${latest[h]})` : h, colour: `var(${HEALTH_COLOURS[h]})` }))}
      readout={(i) => {
        const b = summary.buckets[i];
        if (!b) return '';
        return `${bucketTime(b.start, summary.bucketSeconds)}: ${
          b.health
            ? HEALTHS.filter((h) => b.health?.[h])
                .map((h) => `${b.health?.[h]} ${h}`)
                .join(', ') || 'no targets'
            : 'not recorded'
        }`;
      }}
      table={{
        caption: `Targets by health at the end of each ${per} (${rangeName(summary.hours)}; the current ${per}: now)`,
        columns: ['Start', ...HEALTHS],
        rows: summary.buckets.map((b) => (
          <tr key={b.start} data-start={b.start}>
            <th scope="row">{bucketTime(b.start, summary.bucketSeconds)}</th>
            {b.health ? (
              HEALTHS.map((h) => (
                <td key={h} className="num" data-health={h}>
                  {b.health?.[h]}
                </td>
              ))
            ) : (
              <td colSpan={HEALTHS.length} className="muted">
                not recorded
              </td>
            )}
          </tr>
        )),
      }}
    />
  );
}

// One uPlot chart (canvas) in a figure, with its legend, a line that reads out the point under
// the pointer, and its numbers as a table under "Show data" for screen readers and anyone who
// wants them. uPlot's stylesheet comes in through Vite (no inline styles: the CSP forbids them);
// uPlot sets sizes through element.style, which the CSP allows.
import { type ReactNode, useEffect, useRef, useState } from 'react';
import uPlot from 'uplot';
import 'uplot/dist/uPlot.min.css';
import './charts.css';
import { type ChartTheme, useChartTheme } from './theme';

export interface LegendItem {
  label: string;
  /** a CSS colour */
  colour: string;
  /** drawn as a line (the others as a filled square) */
  line?: boolean;
}

export interface ChartProps {
  /** for tests and styling: data-chart */
  id: string;
  title: string;
  /** the chart in words: the figure's image label (what a screen reader says for the canvas) */
  summary: string;
  /** uPlot's options for this theme and width, without width, height and data */
  options: (theme: ChartTheme) => Omit<uPlot.Options, 'width' | 'height'>;
  data: uPlot.AlignedData;
  legend: LegendItem[];
  /** the text for the point under the pointer (index into the data), or null for none */
  readout?: (index: number) => string;
  /** the data table's caption, header row and rows */
  table: { caption: string; columns: string[]; rows: ReactNode };
  height?: number;
  /** controls shown beside the title (a range or target select) */
  controls?: ReactNode;
  /** nothing to plot: this text instead of the canvas */
  empty?: string | null;
}

export function Chart({ id, title, summary, options, data, legend, readout, table, height = 220, controls, empty }: ChartProps) {
  const theme = useChartTheme();
  const box = useRef<HTMLDivElement>(null);
  const [hover, setHover] = useState<number | null>(null);
  const readoutRef = useRef(readout);
  readoutRef.current = readout;

  // drawn again when the data, the options or the theme change: a few hundred points at most
  useEffect(() => {
    const el = box.current;
    if (!el || empty) return;
    const opts: uPlot.Options = {
      ...options(theme),
      width: Math.max(200, el.clientWidth),
      height,
      legend: { show: false },
      hooks: {
        setCursor: [(u) => setHover(u.cursor.idx ?? null)],
      },
    };
    const chart = new uPlot(opts, data, el);
    el.dataset.series = String(chart.series.length - 1);
    const resized = new ResizeObserver(() => {
      if (el.clientWidth > 0 && Math.abs(el.clientWidth - chart.width) > 1) chart.setSize({ width: Math.max(200, el.clientWidth), height });
    });
    resized.observe(el);
    return () => {
      resized.disconnect();
      chart.destroy();
      delete el.dataset.series;
    };
  }, [options, data, theme, height, empty]);

  return (
    <figure className="chart" data-chart={id} aria-label={title}>
      <div className="chart-head">
        <figcaption>{title}</figcaption>
        {controls}
      </div>
      {empty ? (
        <p className="muted chart-empty">{empty}</p>
      ) : (
        <>
          <ul className="chart-legend" aria-hidden="true">
            {legend.map((l) => (
              <li key={l.label}>
                <span className={l.line ? 'chart-key line' : 'chart-key'} style={{ background: l.colour }} />
                {l.label}
              </li>
            ))}
          </ul>
          <div className="chart-canvas" ref={box} role="img" aria-label={summary} />
          <p className="chart-readout muted" aria-hidden="true">
            {hover !== null && readoutRef.current ? readoutRef.current(hover) : ' '}
          </p>
        </>
      )}
      <details className="chart-data">
        <summary>Show data</summary>
        <table className="grid">
          <caption>{table.caption}</caption>
          <thead>
            <tr>
              {table.columns.map((c) => (
                <th key={c} scope="col">
                  {c}
                </th>
              ))}
            </tr>
          </thead>
          <tbody>{table.rows}</tbody>
        </table>
      </details>
    </figure>
  );
}

/** The range choices every chart offers, in hours. */
export const RANGES: { hours: number; label: string }[] = [
  { hours: 1, label: 'last hour' },
  { hours: 24, label: 'last 24 hours' },
  { hours: 168, label: 'last 7 days' },
  { hours: 720, label: 'last 30 days' },
];

export function RangeSelect({ hours, onChange, label }: { hours: number; onChange: (hours: number) => void; label: string }) {
  return (
    <label className="chart-control">
      {label}
      <select value={hours} onChange={(e) => onChange(Number(e.target.value))} aria-label={label}>
        {RANGES.map((r) => (
          <option key={r.hours} value={r.hours}>
            {r.label}
          </option>
        ))}
      </select>
    </label>
  );
}

/** "hour", "15 minutes", "day": what one bucket is */
export function bucketName(seconds: number): string {
  if (seconds % 86_400 === 0) return seconds === 86_400 ? 'day' : `${seconds / 86_400} days`;
  if (seconds % 3600 === 0) return seconds === 3600 ? 'hour' : `${seconds / 3600} hours`;
  return seconds === 60 ? 'minute' : `${seconds / 60} minutes`;
}

export const rangeName = (hours: number): string => RANGES.find((r) => r.hours === hours)?.label ?? `last ${hours} hours`;

// one formatter each, made once: toLocaleString with options builds a new one on every call,
// which was the fleet page's largest script cost with a month of buckets
const DAY = new Intl.DateTimeFormat();
const MINUTE = new Intl.DateTimeFormat([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit' });
export const SECOND = new Intl.DateTimeFormat([], { month: 'short', day: 'numeric', hour: '2-digit', minute: '2-digit', second: '2-digit' });

/** a bucket's start for tables and readouts, in local time */
export function bucketTime(iso: string, bucketSeconds: number): string {
  return (bucketSeconds >= 86_400 ? DAY : MINUTE).format(new Date(iso));
}

/**
 * Stacked series the way they are drawn: series i holds the running total of the first i+1, so
 * drawn largest first, each from zero up, every one shows as its own band on top of the ones
 * below. A null (no data in a bucket) stays null.
 */
export function stacked(series: (number | null)[][]): (number | null)[][] {
  const out: (number | null)[][] = [];
  series.forEach((s, i) => out.push(s.map((v, j) => (v === null || (i > 0 && out[i - 1][j] === null) ? null : v + (i > 0 ? (out[i - 1][j] as number) : 0)))));
  return out;
}

/** An x range (seconds) with half a bucket either side, so the first and last bars are whole. */
export function bucketRange(buckets: { start: string }[], bucketSeconds: number): uPlot.Range.MinMax {
  const first = buckets.length ? Date.parse(buckets[0].start) / 1000 : 0;
  const last = buckets.length ? Date.parse(buckets[buckets.length - 1].start) / 1000 : 0;
  return [first - bucketSeconds / 2, last + bucketSeconds / 2];
}

/** tick steps for counts: whole numbers only (no "0.5 runs") */
export const COUNT_STEPS = [1, 2, 5, 10, 20, 50, 100, 200, 500, 1000, 2000, 5000, 10_000, 20_000, 50_000, 100_000, 200_000, 500_000, 1_000_000];

/** Axes drawn in the theme's colours. */
export function axes(theme: ChartTheme, y: Partial<uPlot.Axis> = {}, extra: uPlot.Axis[] = []): uPlot.Axis[] {
  const common = { stroke: theme.muted, font: theme.font, grid: { stroke: theme.border, width: 1 }, ticks: { stroke: theme.border, width: 1 } };
  return [{ ...common }, { ...common, ...y }, ...extra.map((a) => ({ ...common, grid: { show: false }, ...a }))];
}

// A channel's deliveries over time: how long from the event to its delivery (median and maximum
// per bucket, lines) and how many failed for good (bars, right axis), from GET
// /api/v1/channels/:name/summaries/deliveries — counted by the database, one row per bucket.
import { type ReactNode, useCallback, useMemo, useState } from 'react';
import uPlot from 'uplot';
import { type DeliveriesSummary, summaries } from '../../api/client';
import { useLoad } from '../../hooks';
import { ErrorBox, Loading } from '../Status';
import { axes, bucketName, bucketRange, bucketTime, Chart, COUNT_STEPS, RangeSelect, rangeName } from './Chart';
import type { ChartTheme } from './theme';

const ms = (v: number | null) => (v === null ? '—' : v < 10_000 ? `${v} ms` : `${(v / 1000).toFixed(1)} s`);

/** `version`: anything that changes when the channel's deliveries did (its delivery list), to load again */
export function DeliveriesChart({ channel, version }: { channel: string; version?: unknown }) {
  const [hours, setHours] = useState(24);
  const summary = useLoad(() => summaries.deliveries(channel, hours), [channel, hours, version]);
  return (
    <>
      <ErrorBox error={summary.error} />
      {summary.data ? (
        <div className="charts">
          <LatencyChart summary={summary.data} channel={channel} controls={<RangeSelect hours={hours} onChange={setHours} label="Range" />} />
        </div>
      ) : summary.error ? null : (
        <Loading what="the delivery summary" />
      )}
    </>
  );
}

function LatencyChart({ summary, channel, controls }: { summary: DeliveriesSummary; channel: string; controls: ReactNode }) {
  const per = bucketName(summary.bucketSeconds);
  const data = useMemo<uPlot.AlignedData>(
    () => [
      summary.buckets.map((b) => Date.parse(b.start) / 1000),
      summary.buckets.map((b) => b.failed),
      summary.buckets.map((b) => b.latencyP50Ms),
      summary.buckets.map((b) => b.latencyMaxMs),
    ],
    [summary],
  );
  const options = useCallback(
    (theme: ChartTheme): Omit<uPlot.Options, 'width' | 'height'> => ({
      scales: {
        x: { time: true, range: () => bucketRange(summary.buckets, summary.bucketSeconds) },
        ms: { range: (_u, _min, max) => [0, Math.max(10, max * 1.1)] },
        n: { range: (_u, _min, max) => [0, Math.max(1, max)] },
      },
      axes: axes(theme, { scale: 'ms', label: 'latency (ms)', labelFont: theme.font }, [{ scale: 'n', side: 1, label: 'failed', labelFont: theme.font, incrs: COUNT_STEPS }]),
      series: [
        {},
        {
          label: 'failed',
          scale: 'n',
          fill: theme.color('--bad'),
          stroke: theme.color('--bad'),
          width: 0,
          paths: uPlot.paths.bars!({ size: [0.6, 40] }),
          points: { show: false },
        },
        { label: 'median latency', scale: 'ms', stroke: theme.color('--accent'), width: 2, spanGaps: false, points: { show: true, size: 8, fill: theme.color('--accent') } },
        {
          label: 'maximum latency',
          scale: 'ms',
          stroke: theme.color('--muted'),
          width: 1.5,
          dash: [6, 4],
          spanGaps: false,
          points: { show: true, size: 7, fill: theme.color('--muted') },
        },
      ],
    }),
    [summary],
  );
  const total = summary.buckets.reduce((n, b) => n + b.total, 0);
  const failed = summary.buckets.reduce((n, b) => n + b.failed, 0);
  const worst = summary.buckets.reduce<number | null>((m, b) => (b.latencyMaxMs === null ? m : Math.max(m ?? 0, b.latencyMaxMs)), null);
  return (
    <Chart
      id="channel-deliveries"
      title={`Delivery latency and failures of ${channel}, per ${per}`}
      summary={`Chart of the deliveries of ${channel} per ${per}, ${rangeName(summary.hours)}: ${total} deliveries, ${failed} failed; the slowest took ${ms(worst)}.`}
      controls={controls}
      empty={total ? null : `Nothing was sent through ${channel} in the ${rangeName(summary.hours)}.`}
      options={options}
      data={data}
      legend={[
        { label: `failed (${failed})`, colour: 'var(--bad)' },
        { label: 'median latency', colour: 'var(--accent)', line: true },
        { label: 'maximum latency', colour: 'var(--muted)', line: true },
      ]}
      readout={(i) => {
        const b = summary.buckets[i];
        return b
          ? `${bucketTime(b.start, summary.bucketSeconds)}: ${b.total} sent, ${b.delivered} delivered, ${b.failed} failed, median ${ms(b.latencyP50Ms)}, max ${ms(b.latencyMaxMs)}`
          : '';
      }}
      table={{
        caption: `Deliveries of ${channel} created in each ${per} (${rangeName(summary.hours)}): counts by state now, and the time from the event to its delivery`,
        columns: ['Start', 'Total', 'Delivered', 'Failed', 'Pending', 'Median latency (ms)', 'Maximum latency (ms)'],
        rows: summary.buckets.map((b) => (
          <tr key={b.start} data-start={b.start}>
            <th scope="row">{bucketTime(b.start, summary.bucketSeconds)}</th>
            <td className="num" data-field="total">
              {b.total}
            </td>
            <td className="num" data-field="delivered">
              {b.delivered}
            </td>
            <td className="num" data-field="failed">
              {b.failed}
            </td>
            <td className="num" data-field="pending">
              {b.pending}
            </td>
            <td className="num" data-field="latencyP50Ms">
              {b.latencyP50Ms ?? '—'}
            </td>
            <td className="num" data-field="latencyMaxMs">
              {b.latencyMaxMs ?? '—'}
            </td>
          </tr>
        )),
      }}
    />
  );
}

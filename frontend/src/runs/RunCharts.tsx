// A playbook's last days of runs as two charts: runs per day by status, and how long they took.
// Drawn by hand in SVG from the geometry in charts.ts; each day's column carries a tooltip.

import { runStatusLabel } from "../incidents/model";
import type { RunDay } from "./api";
import {
  CHART_HEIGHT,
  CHART_WIDTH,
  DAY_STATUSES,
  PLOT,
  countTicks,
  dayTotal,
  daySlot,
  durationTicks,
  labelledDays,
  largest,
  lineSeries,
  stackedBars,
  yScale,
} from "./charts";
import type { Series } from "./charts";
import { durationText } from "../format";
import { dayCountsText, dayDurationText, periodCounts, periodText, shortDayText } from "./labels";
import "./runs.css";

/** A date under the axis every week, ending with today's. */
const LABEL_EVERY_DAYS = 7;
const PLOT_BOTTOM = PLOT.top + PLOT.height;
const PLOT_RIGHT = PLOT.left + PLOT.width;
const POINT_RADIUS = 3;

export function RunCharts({ days }: { days: RunDay[] }) {
  return (
    <div className="run-charts">
      <RunsPerDayChart days={days} />
      <DurationChart days={days} />
    </div>
  );
}

function RunsPerDayChart({ days }: { days: RunDay[] }) {
  const ticks = countTicks(Math.max(0, ...days.map((day) => dayTotal(day.counts))));
  const top = ticks[ticks.length - 1];
  const bars = stackedBars(days, top, PLOT);
  const summary = periodText(days);
  const empty = dayTotal(periodCounts(days)) === 0;
  return (
    <figure className="run-chart" data-testid="runs-per-day-chart">
      <figcaption className="run-chart__caption">
        <span className="run-chart__title">Runs per day</span>
        <span className="muted">{summary}</span>
      </figcaption>
      <ul className="run-chart__legend">
        {DAY_STATUSES.map((status) => (
          <li key={status}>
            <span className={`run-chart__swatch run-chart__fill--${status}`} aria-hidden="true" />
            {runStatusLabel(status)}
          </li>
        ))}
      </ul>
      <svg className="run-chart__svg" viewBox={`0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`} role="img" aria-label={summary}>
        <ValueAxis ticks={ticks} label={(count) => count.toLocaleString("en-US")} />
        <DayAxis days={days} />
        {bars.map((bar, index) => (
          <g
            key={bar.date}
            className="run-chart__day"
            data-testid="day-bar"
            data-date={bar.date}
            data-total={bar.total}
          >
            <title>{dayCountsText(days[index])}</title>
            <rect
              className="run-chart__column"
              x={bar.slot.left}
              y={bar.slot.top}
              width={bar.slot.width}
              height={bar.slot.height}
            />
            {bar.segments.map((segment) => (
              <rect
                key={segment.status}
                className={`run-chart__fill--${segment.status}`}
                x={segment.x}
                y={segment.y}
                width={segment.width}
                height={segment.height}
              />
            ))}
          </g>
        ))}
        {empty && <EmptyNote text="No runs in these days" />}
      </svg>
    </figure>
  );
}

function DurationChart({ days }: { days: RunDay[] }) {
  const medians = days.map((day) => day.p50Ms);
  const tails = days.map((day) => day.p95Ms);
  const measured = medians.some((value) => value !== null);
  const ticks = durationTicks(largest([...medians, ...tails]));
  const top = ticks[ticks.length - 1];
  const caption = "Median (p50) and 95th percentile (p95) of the runs that ended each day";
  return (
    <figure className="run-chart" data-testid="duration-chart">
      <figcaption className="run-chart__caption">
        <span className="run-chart__title">Duration per day</span>
        <span className="muted">{caption}</span>
      </figcaption>
      <ul className="run-chart__legend">
        <li>
          <span className="run-chart__line-swatch run-chart__stroke--p50" aria-hidden="true" />
          Median (p50)
        </li>
        <li>
          <span className="run-chart__line-swatch run-chart__stroke--p95" aria-hidden="true" />
          95th percentile (p95)
        </li>
      </ul>
      <svg className="run-chart__svg" viewBox={`0 0 ${CHART_WIDTH} ${CHART_HEIGHT}`} role="img" aria-label={caption}>
        {measured ? <ValueAxis ticks={ticks} label={durationText} /> : <Baseline />}
        <DayAxis days={days} />
        <Line series={lineSeries(tails, top, PLOT)} name="p95" />
        <Line series={lineSeries(medians, top, PLOT)} name="p50" />
        {days.map((day, index) => {
          const slot = daySlot(index, days.length, PLOT);
          return (
            <g key={day.date} className="run-chart__day" data-testid="duration-day" data-date={day.date}>
              <title>{dayDurationText(day)}</title>
              <rect className="run-chart__column" x={slot.x} y={PLOT.top} width={slot.width} height={PLOT.height} />
            </g>
          );
        })}
        {!measured && <EmptyNote text="No run ended in these days" />}
      </svg>
    </figure>
  );
}

function Line({ series, name }: { series: Series; name: "p50" | "p95" }) {
  return (
    <g className={`run-chart__stroke--${name}`} data-testid={`${name}-line`}>
      {series.lines.map((points) => (
        <polyline key={points} className="run-chart__line" points={points} />
      ))}
      {series.points.map((point) => (
        <circle key={point.index} className="run-chart__point" cx={point.x} cy={point.y} r={POINT_RADIUS} />
      ))}
    </g>
  );
}

/** Grid lines across the plot, labelled on the left. */
function ValueAxis({ ticks, label }: { ticks: number[]; label: (value: number) => string }) {
  const y = yScale(ticks[ticks.length - 1], PLOT);
  return (
    <g className="run-chart__axis" aria-hidden="true">
      {ticks.map((tick) => (
        <g key={tick}>
          <line
            className={tick === 0 ? "run-chart__baseline" : "run-chart__grid"}
            x1={PLOT.left}
            x2={PLOT_RIGHT}
            y1={y(tick)}
            y2={y(tick)}
          />
          <text x={PLOT.left - 8} y={y(tick)} textAnchor="end" dominantBaseline="middle">
            {label(tick)}
          </text>
        </g>
      ))}
    </g>
  );
}

function Baseline() {
  return <line className="run-chart__baseline" x1={PLOT.left} x2={PLOT_RIGHT} y1={PLOT_BOTTOM} y2={PLOT_BOTTOM} />;
}

function DayAxis({ days }: { days: RunDay[] }) {
  return (
    <g className="run-chart__axis" aria-hidden="true">
      {labelledDays(days.length, LABEL_EVERY_DAYS).map((index) => (
        <text key={index} x={daySlot(index, days.length, PLOT).centre} y={PLOT_BOTTOM + 18} textAnchor="middle">
          {shortDayText(days[index].date)}
        </text>
      ))}
    </g>
  );
}

function EmptyNote({ text }: { text: string }) {
  return (
    <text
      className="run-chart__empty"
      x={PLOT.left + PLOT.width / 2}
      y={PLOT.top + PLOT.height / 2}
      textAnchor="middle"
    >
      {text}
    </text>
  );
}

// The geometry of a playbook's run charts, in SVG user units: axis ticks, scales, stacked bars
// and line points. Pure, so the components only draw what these functions place.

import type { RunCounts, RunDay } from "./api";

export interface Box {
  left: number;
  top: number;
  width: number;
  height: number;
}

export interface Point {
  x: number;
  y: number;
}

/** The drawing's size: the SVG's viewBox, scaled to the width it is given. */
export const CHART_WIDTH = 560;
export const CHART_HEIGHT = 220;

/** Where data goes inside the drawing; the margins hold the axes' labels. */
export const PLOT: Box = { left: 64, top: 12, width: CHART_WIDTH - 64 - 12, height: CHART_HEIGHT - 12 - 30 };

/** The statuses a bar stacks, bottom first: the legend and the tooltips list them in this order too. */
export const DAY_STATUSES: readonly (keyof RunCounts)[] = ["succeeded", "failed", "cancelled", "running"];

/** Share of its day's slot a bar fills; the rest is the gap between bars. */
const BAR_FILL = 0.7;

/** Few enough lines for labels that never crowd a chart this high. */
const MAX_INTERVALS = 4;

export function dayTotal(counts: RunCounts): number {
  return DAY_STATUSES.reduce((sum, status) => sum + counts[status], 0);
}

// --- Axes ----------------------------------------------------------------------------------

/** 1, 2, 5, 10, 20, 50...: the steps of an axis of plain numbers. */
function oneTwoFive(index: number): number {
  return [1, 2, 5][index % 3] * 10 ** Math.floor(index / 3);
}

const SECOND_MS = 1000;
const MINUTE_MS = 60 * SECOND_MS;
const HOUR_MS = 60 * MINUTE_MS;
const DAY_MS = 24 * HOUR_MS;

// Steps a clock reads easily: 15 s and 30 s rather than 20 s and 50 s, and so on up to a day.
const CLOCK_STEPS_MS = [
  1, 2, 5, 10, 20, 50, 100, 200, 500,
  SECOND_MS, 2 * SECOND_MS, 5 * SECOND_MS, 10 * SECOND_MS, 15 * SECOND_MS, 30 * SECOND_MS,
  MINUTE_MS, 2 * MINUTE_MS, 5 * MINUTE_MS, 10 * MINUTE_MS, 15 * MINUTE_MS, 30 * MINUTE_MS,
  HOUR_MS, 2 * HOUR_MS, 6 * HOUR_MS, 12 * HOUR_MS, DAY_MS,
];

// Runs waiting on an approval can take days: beyond a day, 2, 5, 10... days.
function durationStep(index: number): number {
  return index < CLOCK_STEPS_MS.length ? CLOCK_STEPS_MS[index] : DAY_MS * oneTwoFive(index - CLOCK_STEPS_MS.length + 1);
}

/** 0 and whole steps up to `max` or just past it, using the smallest step that needs few lines. */
function ticks(max: number, step: (index: number) => number): number[] {
  let index = 0;
  while (step(index) * MAX_INTERVALS < max) index += 1;
  const chosen = step(index);
  const intervals = Math.max(1, Math.ceil(max / chosen));
  return Array.from({ length: intervals + 1 }, (_, n) => n * chosen);
}

/** The values a count axis marks: 0, 1, 2... or 0, 5, 10..., the last at or above `max`. */
export function countTicks(max: number): number[] {
  return ticks(max, oneTwoFive);
}

/** The values a duration axis marks, in ms: 0, 500, 1000... or 0, 15 s, 30 s... */
export function durationTicks(maxMs: number): number[] {
  return ticks(maxMs, durationStep);
}

/** Where a value from 0 to `top` goes, from the bottom of the box to its top. */
export function yScale(top: number, box: Box): (value: number) => number {
  const bottom = box.top + box.height;
  return (value) => bottom - (value / top) * box.height;
}

/** The slice of the box's width that day `index` of `count` gets. */
export function daySlot(index: number, count: number, box: Box): { x: number; width: number; centre: number } {
  const width = box.width / count;
  const x = box.left + index * width;
  return { x, width, centre: x + width / 2 };
}

/** The days labelled under the axis: the last (today) and every `every`-th day before it. */
export function labelledDays(count: number, every: number): number[] {
  return Array.from({ length: count }, (_, index) => index).filter((index) => (count - 1 - index) % every === 0);
}

// --- Bars ----------------------------------------------------------------------------------

export interface Segment {
  status: keyof RunCounts;
  count: number;
  x: number;
  y: number;
  width: number;
  height: number;
}

export interface DayBar {
  date: string;
  total: number;
  /** The day's whole column, where the pointer finds the day's tooltip even above a short bar. */
  slot: Box;
  /** Bottom first; statuses the day had none of are left out. */
  segments: Segment[];
}

/** Each day's bar, its statuses stacked in DAY_STATUSES order, on an axis from 0 to `top`. */
export function stackedBars(days: readonly RunDay[], top: number, box: Box): DayBar[] {
  const y = yScale(top, box);
  return days.map((day, index) => {
    const slot = daySlot(index, days.length, box);
    const width = slot.width * BAR_FILL;
    const x = slot.x + (slot.width - width) / 2;
    const segments: Segment[] = [];
    let below = 0;
    for (const status of DAY_STATUSES) {
      const count = day.counts[status];
      if (count === 0) continue;
      const upper = y(below + count);
      segments.push({ status, count, x, y: upper, width, height: y(below) - upper });
      below += count;
    }
    const column = { left: slot.x, top: box.top, width: slot.width, height: box.height };
    return { date: day.date, total: below, slot: column, segments };
  });
}

// --- Lines ---------------------------------------------------------------------------------

export interface SeriesPoint extends Point {
  /** The day's index. */
  index: number;
  value: number;
}

export interface Series {
  /** One per day with a value. */
  points: SeriesPoint[];
  /**
   * One SVG `points` list per run of consecutive days with values: a day without finished runs
   * breaks the line rather than drawing a slope through a value nobody measured.
   */
  lines: string[];
}

/** A line through each day's value (null: none that day), at the centre of the day's slot. */
export function lineSeries(values: readonly (number | null)[], top: number, box: Box): Series {
  const y = yScale(top, box);
  const points: SeriesPoint[] = [];
  const runs: SeriesPoint[][] = [];
  let current: SeriesPoint[] = [];
  values.forEach((value, index) => {
    if (value === null) {
      current = [];
      return;
    }
    const point = { index, value, x: daySlot(index, values.length, box).centre, y: y(value) };
    points.push(point);
    if (current.length === 0) runs.push(current);
    current.push(point);
  });
  const lines = runs.filter((run) => run.length > 1).map((run) => run.map(({ x, y: py }) => `${x},${py}`).join(" "));
  return { points, lines };
}

/** The largest value, 0 when there is none. */
export function largest(values: readonly (number | null)[]): number {
  return values.reduce<number>((max, value) => (value !== null && value > max ? value : max), 0);
}

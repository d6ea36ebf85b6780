import { describe, expect, it } from "vitest";
import type { RunDay } from "./api";
import {
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
import type { Box } from "./charts";

const BOX: Box = { left: 10, top: 20, width: 100, height: 50 };

function day(date: string, succeeded: number, failed = 0, cancelled = 0, running = 0): RunDay {
  return { date, counts: { succeeded, failed, cancelled, running }, p50Ms: null, p95Ms: null };
}

describe("axis ticks", () => {
  it.each([
    [0, [0, 1]],
    [1, [0, 1]],
    [4, [0, 1, 2, 3, 4]],
    [5, [0, 2, 4, 6]],
    [8, [0, 2, 4, 6, 8]],
    [9, [0, 5, 10]],
    [37, [0, 10, 20, 30, 40]],
    [230, [0, 100, 200, 300]],
  ])("marks counts up to %d with %j", (max, expected) => {
    expect(countTicks(max)).toEqual(expected);
  });

  it.each([
    [0, [0, 1]],
    [850, [0, 500, 1000]],
    [3200, [0, 1000, 2000, 3000, 4000]],
    [42_000, [0, 15_000, 30_000, 45_000]],
    [125_000, [0, 60_000, 120_000, 180_000]],
    [3 * 86_400_000, [0, 86_400_000, 2 * 86_400_000, 3 * 86_400_000]],
    [5 * 86_400_000, [0, 2 * 86_400_000, 4 * 86_400_000, 6 * 86_400_000]],
  ])("marks durations up to %d ms with steps a clock reads easily", (max, expected) => {
    expect(durationTicks(max)).toEqual(expected);
  });
});

describe("scales", () => {
  it("puts 0 at the bottom of the box and the top value at its top", () => {
    const y = yScale(10, BOX);
    expect([y(0), y(5), y(10)]).toEqual([70, 45, 20]);
  });

  it("gives each day an equal slice of the width", () => {
    expect(daySlot(0, 4, BOX)).toEqual({ x: 10, width: 25, centre: 22.5 });
    expect(daySlot(3, 4, BOX)).toEqual({ x: 85, width: 25, centre: 97.5 });
  });

  it("labels the last day and every n-th before it", () => {
    expect(labelledDays(30, 7)).toEqual([1, 8, 15, 22, 29]);
    expect(labelledDays(3, 7)).toEqual([2]);
    expect(labelledDays(0, 7)).toEqual([]);
  });
});

describe("stackedBars", () => {
  it("stacks a day's statuses from the bottom in a fixed order, leaving out empty ones", () => {
    const [bar] = stackedBars([day("2026-11-28", 2, 1, 0, 1)], 4, BOX);
    expect(bar.total).toBe(4);
    expect(bar.date).toBe("2026-11-28");
    expect(bar.segments.map((segment) => [segment.status, segment.count, segment.y, segment.height])).toEqual([
      ["succeeded", 2, 45, 25],
      ["failed", 1, 32.5, 12.5],
      ["running", 1, 20, 12.5],
    ]);
  });

  it("centres each bar in its day's slot, with a gap beside it", () => {
    const bars = stackedBars([day("2026-11-27", 1), day("2026-11-28", 1)], 1, BOX);
    expect(bars.map((bar) => bar.slot)).toEqual([
      { left: 10, top: 20, width: 50, height: 50 },
      { left: 60, top: 20, width: 50, height: 50 },
    ]);
    const [segment] = bars[1].segments;
    expect(segment.width).toBeCloseTo(35);
    expect(segment.x).toBeCloseTo(67.5);
  });

  it("draws no segment for a day without runs", () => {
    const [bar] = stackedBars([day("2026-11-28", 0)], 1, BOX);
    expect(bar.total).toBe(0);
    expect(bar.segments).toEqual([]);
  });

  it("adds up a day's runs", () => {
    expect(dayTotal({ succeeded: 3, failed: 2, cancelled: 1, running: 4 })).toBe(10);
  });
});

describe("lineSeries", () => {
  it("places a point per day with a value, at the centre of its slot", () => {
    const series = lineSeries([0, 10], 10, BOX);
    expect(series.points).toEqual([
      { index: 0, value: 0, x: 35, y: 70 },
      { index: 1, value: 10, x: 85, y: 20 },
    ]);
    expect(series.lines).toEqual(["35,70 85,20"]);
  });

  it("breaks the line at a day without a value, and draws no line through a lone point", () => {
    const series = lineSeries([5, 5, null, 5, null], 10, BOX);
    expect(series.points.map((point) => point.index)).toEqual([0, 1, 3]);
    expect(series.lines).toEqual(["20,45 40,45"]);
  });

  it("finds the largest value, ignoring missing ones", () => {
    expect(largest([null, 3, 9, null, 2])).toBe(9);
    expect(largest([null, null])).toBe(0);
  });
});

import uPlot from "uplot";
// uPlot's own layout rules, bundled by esbuild into dist/main.css (styles.css recolours them).
import "uplot/dist/uPlot.min.css";
import { h, type View } from "./dom.js";

/** One line of a chart. */
export interface ChartLine {
  readonly label: string;
  /** A CSS colour, or a custom property of the page's palette ("--ember"). */
  readonly color: string;
}

/** A time series chart (uPlot, drawn on a canvas) that its owner feeds and resizes with its box. */
export interface TimeChart extends View {
  /**
   * Draws `times` (bucket starts, ms) against one value array per line; lines
   * may change between calls (a new spell shows up), which rebuilds the plot.
   */
  draw(times: readonly number[], lines: readonly ChartLine[], values: ReadonlyArray<readonly number[]>): void;
}

const chartHeight = 180;
/** Tick steps of the value axis: 1, 2, 5, 10, 20, 50… */
const wholeSteps = Array.from({ length: 30 }, (_, i) => [1, 2, 5][i % 3]! * 10 ** Math.floor(i / 3));

/** A colour from the page's palette (canvas needs the value, not var()). */
function resolveColor(color: string): string {
  if (!color.startsWith("--")) return color;
  return getComputedStyle(document.documentElement).getPropertyValue(color).trim() || "#d7ad5b";
}

/**
 * A small line chart of hourly or daily buckets. uPlot takes x in seconds
 * and draws on a canvas, so the chart keeps its data as attributes too
 * (data-lines, data-total) for tests and assistive text.
 */
export function createTimeChart(title: string, unit: string, testId = "analytics-chart"): TimeChart {
  const plotBox = h("div", { class: "chart-plot" });
  const element = h("figure", { class: "chart", "data-testid": testId, "data-title": title, "data-state": "loading" }, h("figcaption", {}, title, h("small", { class: "muted" }, ` · ${unit}`)), plotBox);
  let plot: uPlot | undefined;
  let shape = "";
  const width = () => Math.max(240, Math.floor(plotBox.clientWidth || element.clientWidth || 320));
  const resize = new ResizeObserver(() => plot?.setSize({ width: width(), height: chartHeight }));
  resize.observe(plotBox);

  function build(lines: readonly ChartLine[], data: uPlot.AlignedData): uPlot {
    const axisColor = resolveColor("--muted");
    const grid = { stroke: "rgba(201, 162, 91, 0.12)", width: 1 };
    return new uPlot(
      {
        width: width(),
        height: chartHeight,
        series: [{}, ...lines.map((line) => ({ label: line.label, stroke: resolveColor(line.color), width: 2, points: { show: true, size: 4 } }))],
        axes: [
          { stroke: axisColor, grid, ticks: grid },
          // Every metric counts whole things (casts, gold, minor units, milliseconds): no 0.5 ticks.
          { stroke: axisColor, grid, ticks: grid, size: 48, incrs: wholeSteps },
        ],
        scales: { y: { range: (_u, _min, max) => [0, Math.max(1, max)] } },
        legend: { show: true },
        cursor: { drag: { x: false, y: false } },
      },
      data,
      plotBox,
    );
  }

  return {
    element,
    draw(times, lines, values) {
      const data: uPlot.AlignedData = [times.map((t) => t / 1000), ...values.map((v) => [...v])];
      const nextShape = lines.map((l) => l.label).join("\u0000");
      if (plot === undefined || nextShape !== shape) {
        plot?.destroy();
        plot = build(lines, data);
        shape = nextShape;
      } else {
        plot.setData(data);
      }
      const total = values.reduce((sum, line) => sum + line.reduce((a, b) => a + b, 0), 0);
      element.dataset.state = total === 0 ? "empty" : "drawn";
      element.dataset.lines = lines.map((l) => l.label).join(",");
      element.dataset.total = String(total);
      plotBox.setAttribute("role", "img");
      plotBox.setAttribute("aria-label", `${title}: ${lines.map((l, i) => `${l.label} ${values[i]?.reduce((a, b) => a + b, 0) ?? 0}`).join(", ") || "no data"}`);
    },
    dispose() {
      resize.disconnect();
      plot?.destroy();
      plot = undefined;
    },
  };
}

/**
 * Minimal SVG charts (line and scatter), written as plain strings so the examples need no
 * plotting dependency.
 */

/** A named series of y values, plotted against their index (or `x` when given). */
export interface LineSeries {
  /** Legend label. */
  readonly name: string;
  /** The y values. */
  readonly y: readonly number[];
  /** The x values (default 1, 2, ...). */
  readonly x?: readonly number[];
}

/** A labelled point of a scatter plot. */
export interface ScatterPoint {
  /** Horizontal coordinate. */
  readonly x: number;
  /** Vertical coordinate. */
  readonly y: number;
  /** Class index: picks the colour. */
  readonly group: number;
}

/** Common chart options. */
export interface ChartOptions {
  /** Title above the plot. */
  readonly title?: string;
  /** X axis label. */
  readonly xLabel?: string;
  /** Y axis label. */
  readonly yLabel?: string;
  /** Width in pixels (default 640). */
  readonly width?: number;
  /** Height in pixels (default 400). */
  readonly height?: number;
}

const COLOURS = ['#1f77b4', '#d62728', '#2ca02c', '#ff7f0e', '#9467bd', '#8c564b', '#e377c2', '#7f7f7f', '#bcbd22', '#17becf'];
const MARGIN = { left: 64, right: 20, top: 36, bottom: 48 };

function escapeXml(text: string): string {
  return text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
}

function extent(values: readonly number[]): [number, number] {
  let lo = Infinity;
  let hi = -Infinity;
  for (const v of values) {
    if (!Number.isFinite(v)) continue;
    if (v < lo) lo = v;
    if (v > hi) hi = v;
  }
  if (lo === Infinity) return [0, 1];
  if (lo === hi) return [lo - 0.5, hi + 0.5];
  return [lo, hi];
}

function tickLabel(v: number): string {
  return Math.abs(v) >= 1e4 || (Math.abs(v) < 1e-2 && v !== 0) ? v.toExponential(1) : String(Number(v.toPrecision(3)));
}

/** The frame, ticks, labels and title; returns the svg opening and the mappings to pixels. */
function frame(xRange: [number, number], yRange: [number, number], options: ChartOptions): { head: string[]; px: (x: number) => number; py: (y: number) => number; width: number; height: number } {
  const width = options.width ?? 640;
  const height = options.height ?? 400;
  const plotW = width - MARGIN.left - MARGIN.right;
  const plotH = height - MARGIN.top - MARGIN.bottom;
  const px = (x: number): number => MARGIN.left + ((x - xRange[0]) / (xRange[1] - xRange[0])) * plotW;
  const py = (y: number): number => MARGIN.top + plotH - ((y - yRange[0]) / (yRange[1] - yRange[0])) * plotH;
  const head = [
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" font-size="12">`,
    `<rect width="${width}" height="${height}" fill="white"/>`,
    `<rect x="${MARGIN.left}" y="${MARGIN.top}" width="${plotW}" height="${plotH}" fill="none" stroke="#333"/>`,
  ];
  for (let i = 0; i <= 4; i++) {
    const xv = xRange[0] + ((xRange[1] - xRange[0]) * i) / 4;
    const yv = yRange[0] + ((yRange[1] - yRange[0]) * i) / 4;
    head.push(`<text x="${px(xv).toFixed(1)}" y="${height - MARGIN.bottom + 16}" text-anchor="middle">${tickLabel(xv)}</text>`);
    head.push(`<text x="${MARGIN.left - 6}" y="${(py(yv) + 4).toFixed(1)}" text-anchor="end">${tickLabel(yv)}</text>`);
  }
  if (options.title !== undefined) head.push(`<text x="${width / 2}" y="22" text-anchor="middle" font-size="15">${escapeXml(options.title)}</text>`);
  if (options.xLabel !== undefined) head.push(`<text x="${MARGIN.left + plotW / 2}" y="${height - 10}" text-anchor="middle">${escapeXml(options.xLabel)}</text>`);
  if (options.yLabel !== undefined) head.push(`<text transform="translate(16 ${MARGIN.top + plotH / 2}) rotate(-90)" text-anchor="middle">${escapeXml(options.yLabel)}</text>`);
  return { head, px, py, width, height };
}

function legend(names: readonly string[], width: number): string[] {
  return names.map((name, i) => {
    const y = MARGIN.top + 14 + i * 16;
    const x = width - MARGIN.right - 130;
    return `<rect x="${x}" y="${y - 9}" width="10" height="10" fill="${COLOURS[i % COLOURS.length]}"/><text x="${x + 14}" y="${y}">${escapeXml(name)}</text>`;
  });
}

/**
 * A line chart of one or more series.
 *
 * @param series - the series; non-finite values are skipped
 * @param options - title, axis labels, size
 * @returns the SVG document
 * @example
 * ```ts
 * writeFileSync('loss.svg', linePlot([{ name: 'train loss', y: losses }], { xLabel: 'epoch' }));
 * ```
 */
export function linePlot(series: readonly LineSeries[], options: ChartOptions = {}): string {
  const xsOf = (s: LineSeries): readonly number[] => s.x ?? s.y.map((_, i) => i + 1);
  const xRange = extent(series.flatMap(xsOf));
  const yRange = extent(series.flatMap((s) => [...s.y]));
  const { head, px, py, width } = frame(xRange, yRange, options);
  const body = series.map((s, i) => {
    const xs = xsOf(s);
    const points = s.y
      .map((y, j) => (Number.isFinite(y) ? `${px(xs[j]!).toFixed(1)},${py(y).toFixed(1)}` : ''))
      .filter((p) => p !== '')
      .join(' ');
    return `<polyline fill="none" stroke="${COLOURS[i % COLOURS.length]}" stroke-width="2" points="${points}"/>`;
  });
  return [...head, ...body, ...legend(series.map((s) => s.name), width), '</svg>', ''].join('\n');
}

/**
 * A scatter plot with one colour per group.
 *
 * @param points - the points
 * @param groupNames - legend label of each group index
 * @param options - title, axis labels, size
 * @returns the SVG document
 * @example
 * ```ts
 * scatterPlot([{ x: 0, y: 1, group: 0 }], ['setosa']);
 * ```
 */
export function scatterPlot(points: readonly ScatterPoint[], groupNames: readonly string[], options: ChartOptions = {}): string {
  const pad = (r: [number, number]): [number, number] => {
    const d = (r[1] - r[0]) * 0.05;
    return [r[0] - d, r[1] + d];
  };
  const { head, px, py, width } = frame(pad(extent(points.map((p) => p.x))), pad(extent(points.map((p) => p.y))), options);
  const body = points
    .filter((p) => Number.isFinite(p.x) && Number.isFinite(p.y))
    .map((p) => `<circle cx="${px(p.x).toFixed(1)}" cy="${py(p.y).toFixed(1)}" r="3.5" fill="${COLOURS[p.group % COLOURS.length]}" fill-opacity="0.75"/>`);
  return [...head, ...body, ...legend(groupNames, width), '</svg>', ''].join('\n');
}

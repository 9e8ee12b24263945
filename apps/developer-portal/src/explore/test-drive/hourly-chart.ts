/**
 * Events per hour by type, drawn on the server as SVG (no script, nothing for the CSP to allow:
 * colours are presentation attributes, not inline styles). Accessible: the SVG is one image with
 * a <title> and a <desc> that sums it up, every bar has its own <title>, and the same numbers
 * come as a table (HourlyCounter.table) for screen readers and for copying.
 */

const HOUR_MS = 3_600_000;

/**
 * Series colours, each at least 3:1 against the white background (WCAG 1.4.11, checked by the
 * unit test) and apart in hue (the Okabe-Ito set, darkened where it was too light).
 */
export const PALETTE = [
  '#0072B2',
  '#D55E00',
  '#009E73',
  '#7B3294',
  '#8C6D00',
  '#C2185B',
  '#5D4037',
  '#1B5E20',
] as const;
export const OTHER_COLOUR = '#5F6B7A';
export const OTHER = 'other types';

export interface ChartSeries {
  eventId: string;
  colour: string;
  counts: number[];
  total: number;
}

export interface HourlySeries {
  /** Start of the first bucket (the window's start, floored to the hour), ms. */
  start: number;
  /** One hour, or a whole number of hours when the window has more buckets than allowed. */
  bucketMs: number;
  buckets: number;
  /** The busiest types first; those beyond the palette are summed up as OTHER. */
  series: ChartSeries[];
  total: number;
  /** Counting stopped at the limit: the chart shows the first `total` events only. */
  truncated: boolean;
}

export interface CounterOptions {
  maxBuckets?: number;
  /** Events counted at most (the rest are left out, and the chart says so). */
  maxEvents?: number;
}

/** Counts events into hour buckets as they stream in (constant memory per bucket and type). */
export class HourlyCounter {
  readonly start: number;
  readonly bucketMs: number;
  readonly buckets: number;
  private readonly maxEvents: number;
  private readonly counts = new Map<string, number[]>();
  private total = 0;
  private truncated = false;

  constructor(startMs: number, endMs: number, options: CounterOptions = {}) {
    const maxBuckets = options.maxBuckets ?? 168;
    this.maxEvents = options.maxEvents ?? 100_000;
    this.start = Math.floor(startMs / HOUR_MS) * HOUR_MS;
    const hours = Math.max(1, Math.ceil((endMs - this.start) / HOUR_MS));
    this.bucketMs = Math.ceil(hours / maxBuckets) * HOUR_MS;
    this.buckets = Math.max(1, Math.ceil((endMs - this.start) / this.bucketMs));
  }

  /** false once the limit is reached: the caller may stop reading. */
  add(eventId: string, timeStamp: string): boolean {
    if (this.total >= this.maxEvents) {
      this.truncated = true;
      return false;
    }
    const at = Date.parse(timeStamp);
    const i = Math.floor((at - this.start) / this.bucketMs);
    if (Number.isNaN(at) || i < 0 || i >= this.buckets) return true;
    let row = this.counts.get(eventId);
    if (!row) this.counts.set(eventId, (row = new Array<number>(this.buckets).fill(0)));
    row[i]!++;
    this.total++;
    return true;
  }

  result(): HourlySeries {
    const ranked = [...this.counts.entries()]
      .map(([eventId, counts]) => ({ eventId, counts, total: counts.reduce((a, b) => a + b, 0) }))
      .sort((a, b) => b.total - a.total || a.eventId.localeCompare(b.eventId));
    const shown = ranked.length > PALETTE.length ? PALETTE.length - 1 : PALETTE.length;
    const series: ChartSeries[] = ranked
      .slice(0, shown)
      .map((s, i) => ({ ...s, colour: PALETTE[i]! }));
    const rest = ranked.slice(shown);
    if (rest.length > 0) {
      const counts = new Array<number>(this.buckets).fill(0);
      for (const s of rest) s.counts.forEach((n, i) => (counts[i]! += n));
      series.push({
        eventId: OTHER,
        colour: OTHER_COLOUR,
        counts,
        total: rest.reduce((a, s) => a + s.total, 0),
      });
    }
    return {
      start: this.start,
      bucketMs: this.bucketMs,
      buckets: this.buckets,
      series,
      total: this.total,
      truncated: this.truncated,
    };
  }
}

/** Text for XML content and attributes. */
export function escapeXml(text: string): string {
  return text
    .replace(/&/g, '&amp;')
    .replace(/</g, '&lt;')
    .replace(/>/g, '&gt;')
    .replace(/"/g, '&quot;')
    .replace(/'/g, '&#39;');
}

const pad = (n: number) => String(n).padStart(2, '0');
/** `2026-11-30 13:00` (UTC). */
export function bucketLabel(ms: number): string {
  const d = new Date(ms);
  return `${d.getUTCFullYear()}-${pad(d.getUTCMonth() + 1)}-${pad(d.getUTCDate())} ${pad(d.getUTCHours())}:00`;
}

/** 1, 2, 5 × 10^n at or above `n`, so the axis reads in round numbers. */
export function niceMax(n: number): number {
  if (n <= 0) return 1;
  const p = 10 ** Math.floor(Math.log10(n));
  for (const m of [1, 2, 5, 10]) if (m * p >= n) return m * p;
  return 10 * p;
}

const unit = (s: HourlySeries) =>
  s.bucketMs === HOUR_MS ? 'hour' : `${s.bucketMs / HOUR_MS} hours`;

/** One sentence a screen reader reads for the whole chart. */
export function describeChart(s: HourlySeries): string {
  if (s.total === 0) return 'No events in this window.';
  const sums = s.series.map((x) => x.counts.reduce((a, b) => a + b, 0));
  const perBucket = Array.from({ length: s.buckets }, (_, i) =>
    s.series.reduce((a, x) => a + x.counts[i]!, 0),
  );
  const peak = perBucket.indexOf(Math.max(...perBucket));
  const types = s.series.map((x, i) => `${x.eventId} ${sums[i]}`).join(', ');
  return (
    `${s.total} events${s.truncated ? ' (the first ones only: counting stopped at the limit)' : ''} ` +
    `in ${s.buckets} buckets of one ${unit(s)} from ${bucketLabel(s.start)} UTC; ` +
    `busiest ${unit(s)} ${bucketLabel(s.start + peak * s.bucketMs)} UTC with ${perBucket[peak]}. ` +
    `By type: ${types}.`
  );
}

export interface ChartTable {
  caption: string;
  columns: string[];
  /** Buckets that have events; each row: the bucket's label, then one count per column. */
  rows: { label: string; counts: number[]; total: number }[];
}

/** The chart's numbers as a table (buckets without events left out, as the caption says). */
export function chartTable(s: HourlySeries): ChartTable {
  const rows: ChartTable['rows'] = [];
  for (let i = 0; i < s.buckets; i++) {
    const counts = s.series.map((x) => x.counts[i]!);
    const total = counts.reduce((a, b) => a + b, 0);
    if (total > 0)
      rows.push({ label: `${bucketLabel(s.start + i * s.bucketMs)} UTC`, counts, total });
  }
  return {
    caption: `Events per ${unit(s)} by type (UTC; ${unit(s)}s without events are left out)`,
    columns: s.series.map((x) => x.eventId),
    rows,
  };
}

export interface SvgOptions {
  /** Element ids of the title and the description (unique in the page). */
  idPrefix?: string;
  width?: number;
  height?: number;
}

/** The stacked-bar chart as an SVG element (a string, every text escaped). */
export function renderChartSvg(s: HourlySeries, options: SvgOptions = {}): string {
  const id = options.idPrefix ?? 'chart';
  const width = options.width ?? 760;
  const legendRows = Math.ceil(s.series.length / 4);
  const plotHeight = (options.height ?? 260) - 40;
  const left = 48;
  const right = 12;
  const top = 12;
  const plotWidth = width - left - right;
  const height = top + plotHeight + 36 + legendRows * 20 + 8;
  const perBucket = Array.from({ length: s.buckets }, (_, i) =>
    s.series.reduce((a, x) => a + x.counts[i]!, 0),
  );
  const max = niceMax(Math.max(0, ...perBucket));
  const y = (n: number) => top + plotHeight - (n / max) * plotHeight;
  const slot = plotWidth / s.buckets;
  const barWidth = Math.max(1, slot * 0.8);
  const out: string[] = [];
  const title = `Events per ${unit(s)} by type`;
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" class="chart" viewBox="0 0 ${width} ${height}" width="100%" role="img" aria-labelledby="${id}-title ${id}-desc" focusable="false">`,
    `<title id="${id}-title">${escapeXml(title)}</title>`,
    `<desc id="${id}-desc">${escapeXml(describeChart(s))}</desc>`,
    `<rect x="0" y="0" width="${width}" height="${height}" fill="#ffffff"/>`,
  );
  // Grid and y axis in whole numbers: max is 1, 2, 5 or 10 × 10^n.
  const ticks = max <= 5 ? max : 5;
  for (let k = 0; k <= ticks; k++) {
    const v = (max * k) / ticks;
    const yy = y(v).toFixed(1);
    out.push(
      `<line x1="${left}" x2="${width - right}" y1="${yy}" y2="${yy}" stroke="#d0d4da" stroke-width="1"/>`,
      `<text x="${left - 6}" y="${yy}" dy="4" text-anchor="end" font-size="11" fill="#1f2933">${v}</text>`,
    );
  }
  // Bars, stacked in series order, each segment with its own tooltip.
  for (let i = 0; i < s.buckets; i++) {
    let base = 0;
    const x = (left + i * slot + (slot - barWidth) / 2).toFixed(1);
    for (const series of s.series) {
      const n = series.counts[i]!;
      if (n === 0) continue;
      const y0 = y(base);
      const y1 = y(base + n);
      base += n;
      out.push(
        `<rect x="${x}" y="${y1.toFixed(1)}" width="${barWidth.toFixed(1)}" height="${(y0 - y1).toFixed(1)}" fill="${series.colour}"><title>${escapeXml(`${bucketLabel(s.start + i * s.bucketMs)} UTC, ${series.eventId}: ${n}`)}</title></rect>`,
      );
    }
  }
  // x axis: about eight labels, on bucket starts.
  const every = Math.max(1, Math.ceil(s.buckets / 8));
  const axisY = top + plotHeight;
  out.push(
    `<line x1="${left}" x2="${width - right}" y1="${axisY}" y2="${axisY}" stroke="#1f2933" stroke-width="1"/>`,
  );
  for (let i = 0; i < s.buckets; i += every) {
    const label = bucketLabel(s.start + i * s.bucketMs);
    const x = (left + i * slot).toFixed(1);
    out.push(
      `<text x="${x}" y="${axisY + 14}" font-size="11" fill="#1f2933">${escapeXml(label.slice(11))}</text>`,
      `<text x="${x}" y="${axisY + 27}" font-size="10" fill="#3e4c59">${escapeXml(label.slice(5, 10))}</text>`,
    );
  }
  // Legend, four to a row.
  const legendTop = axisY + 40;
  s.series.forEach((series, k) => {
    const lx = left + (k % 4) * (plotWidth / 4);
    const ly = legendTop + Math.floor(k / 4) * 20;
    out.push(
      `<rect x="${lx}" y="${ly}" width="12" height="12" fill="${series.colour}"/>`,
      `<text x="${lx + 18}" y="${ly + 10}" font-size="12" fill="#1f2933">${escapeXml(`${series.eventId} (${series.total})`)}</text>`,
    );
  });
  out.push('</svg>');
  return out.join('');
}

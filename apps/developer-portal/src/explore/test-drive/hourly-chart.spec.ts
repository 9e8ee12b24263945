import {
  OTHER,
  OTHER_COLOUR,
  PALETTE,
  HourlyCounter,
  bucketLabel,
  chartTable,
  describeChart,
  escapeXml,
  niceMax,
  renderChartSvg,
} from './hourly-chart';

const T0 = Date.parse('2026-11-30T10:20:00Z');
/** An instant on the test day, UTC. */
const at = (hhmm: string) => `2026-11-30T${hhmm}:00Z`;

/** WCAG relative luminance and contrast ratio. */
function contrast(a: string, b: string): number {
  const lum = (hex: string) => {
    const [r, g, bl] = [1, 3, 5].map((i) => {
      const c = parseInt(hex.slice(i, i + 2), 16) / 255;
      return c <= 0.03928 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
    });
    return 0.2126 * r! + 0.7152 * g! + 0.0722 * bl!;
  };
  const [hi, lo] = [lum(a), lum(b)].sort((x, y) => y - x);
  return (hi! + 0.05) / (lo! + 0.05);
}

describe('events per hour by type', () => {
  it('counts into hour buckets from the window start floored to the hour', () => {
    const c = new HourlyCounter(T0, T0 + 3 * 3_600_000);
    c.add('loginSuccess', at('10:10')); // before the window start, in its floored first hour
    c.add('loginSuccess', at('10:50'));
    c.add('loginFailure', at('11:00'));
    c.add('loginSuccess', at('12:59'));
    c.add('loginSuccess', at('15:00')); // outside
    c.add('loginSuccess', 'not a time');
    const s = c.result();
    expect(s.start).toBe(Date.parse('2026-11-30T10:00:00Z'));
    expect(s.bucketMs).toBe(3_600_000);
    expect(s.buckets).toBe(4);
    expect(s.total).toBe(4);
    expect(s.series).toEqual([
      { eventId: 'loginSuccess', colour: PALETTE[0], counts: [2, 0, 1, 0], total: 3 },
      { eventId: 'loginFailure', colour: PALETTE[1], counts: [0, 1, 0, 0], total: 1 },
    ]);
  });

  it('widens buckets to whole hours when the window has more than allowed', () => {
    const c = new HourlyCounter(T0, T0 + 30 * 86_400_000, { maxBuckets: 168 });
    expect(c.bucketMs).toBe(5 * 3_600_000);
    expect(c.buckets).toBeLessThanOrEqual(168);
  });

  it('keeps the busiest types and sums the rest up as other types', () => {
    const c = new HourlyCounter(T0, T0 + 3_600_000);
    for (let t = 0; t < 12; t++) for (let n = 0; n <= t; n++) c.add(`type${t}`, at('10:50'));
    const s = c.result();
    expect(s.series).toHaveLength(PALETTE.length);
    expect(s.series[0]).toMatchObject({ eventId: 'type11', total: 12 });
    const other = s.series[s.series.length - 1]!;
    expect(other).toMatchObject({ eventId: OTHER, colour: OTHER_COLOUR, total: 1 + 2 + 3 + 4 + 5 });
    expect(s.series.reduce((a, x) => a + x.total, 0)).toBe(s.total);
  });

  it('stops at the event limit and says so', () => {
    const c = new HourlyCounter(T0, T0 + 3_600_000, { maxEvents: 3 });
    expect([1, 2, 3, 4].map(() => c.add('x', at('10:50')))).toEqual([true, true, true, false]);
    const s = c.result();
    expect(s).toMatchObject({ total: 3, truncated: true });
    expect(describeChart(s)).toContain('counting stopped at the limit');
  });

  it('colours stand out from the white background (3:1, WCAG 1.4.11) and from each other', () => {
    for (const colour of [...PALETTE, OTHER_COLOUR]) {
      expect(contrast(colour, '#ffffff')).toBeGreaterThanOrEqual(3);
    }
    expect(new Set(PALETTE).size).toBe(PALETTE.length);
  });

  it('renders an accessible SVG: title, desc, a tooltip per bar, text escaped', () => {
    const c = new HourlyCounter(T0, T0 + 2 * 3_600_000);
    c.add('loginSuccess', at('10:45'));
    c.add('<script>alert(1)</script>', at('11:05'));
    const svg = renderChartSvg(c.result(), { idPrefix: 'td' });
    expect(svg).toMatch(/^<svg [^>]*role="img" aria-labelledby="td-title td-desc"/);
    expect(svg).toContain('<title id="td-title">Events per hour by type</title>');
    expect(svg).toContain(
      '<desc id="td-desc">2 events in 3 buckets of one hour from 2026-11-30 10:00 UTC; busiest hour 2026-11-30 10:00 UTC with 1. By type: &lt;script&gt;alert(1)&lt;/script&gt; 1, loginSuccess 1.</desc>',
    );
    expect(svg).toContain('<title>2026-11-30 10:00 UTC, loginSuccess: 1</title>');
    expect(svg).not.toContain('<script');
    expect(svg).not.toMatch(/style=/);
    expect(svg.match(/<rect [^>]*><title>/g)).toHaveLength(2);
  });

  it('gives the same numbers as a table, hours without events left out', () => {
    const c = new HourlyCounter(T0, T0 + 3 * 3_600_000);
    c.add('a', at('10:45'));
    c.add('b', at('10:50'));
    c.add('a', at('12:45'));
    expect(chartTable(c.result())).toEqual({
      caption: 'Events per hour by type (UTC; hours without events are left out)',
      columns: ['a', 'b'],
      rows: [
        { label: '2026-11-30 10:00 UTC', counts: [1, 1], total: 2 },
        { label: '2026-11-30 12:00 UTC', counts: [1, 0], total: 1 },
      ],
    });
  });

  it('says when there is nothing', () => {
    const s = new HourlyCounter(T0, T0 + 3_600_000).result();
    expect(describeChart(s)).toBe('No events in this window.');
    expect(renderChartSvg(s)).toContain('No events in this window.');
  });

  it('helpers', () => {
    expect(niceMax(0)).toBe(1);
    expect(niceMax(7)).toBe(10);
    expect(niceMax(13)).toBe(20);
    expect(niceMax(450)).toBe(500);
    expect(bucketLabel(Date.parse('2026-01-02T03:00:00Z'))).toBe('2026-01-02 03:00');
    expect(escapeXml(`<a href="x">'&'</a>`)).toBe(
      '&lt;a href=&quot;x&quot;&gt;&#39;&amp;&#39;&lt;/a&gt;',
    );
  });
});

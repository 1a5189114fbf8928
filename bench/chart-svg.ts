/**
 * The chart of BENCHMARKS.md, drawn by `npm run bench` as a self-contained SVG: one panel of
 * horizontal bars per figure (rows/s, higher is better, logarithmic axis so that the raw limit
 * and the slowest peer both stay readable). Syncline's bars are dark, the limits grey.
 */
export interface Bar {
  label: string;
  /** null: did not finish / failed, drawn as a note instead of a bar. */
  value: number | null;
  kind: 'syncline' | 'share' | 'variant' | 'baseline' | 'peer';
  note?: string;
}

export interface Panel {
  title: string;
  unit: string;
  bars: readonly Bar[];
}

const esc = (s: string) => s.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;');
const COLORS = {
  syncline: '#1f4e79',
  share: '#6b9bd1',
  variant: '#3a7ca5',
  baseline: '#9e9e9e',
  peer: '#e08a3c',
} as const;

export function drawChart(panels: readonly Panel[], caption: string): string {
  const width = 860;
  const labelW = 330;
  const barW = width - labelW - 130;
  const rowH = 22;
  let y = 30;
  const parts: string[] = [];
  for (const panel of panels) {
    parts.push(`<text x="10" y="${y}" font-weight="bold" font-size="14">${esc(panel.title)}</text>`);
    y += 12;
    const values = panel.bars.map((b) => b.value).filter((v): v is number => v !== null && v > 0);
    const max = Math.max(10, ...values);
    const min = Math.max(1, Math.min(...values, max) / 4);
    const scale = (v: number) =>
      (Math.log10(Math.max(v, min)) - Math.log10(min)) / (Math.log10(max) - Math.log10(min));
    for (const bar of panel.bars) {
      y += rowH;
      parts.push(
        `<text x="${labelW - 8}" y="${y - 6}" text-anchor="end" font-size="12">${esc(bar.label)}</text>`,
      );
      if (bar.value === null || bar.value <= 0) {
        parts.push(
          `<text x="${labelW + 4}" y="${y - 6}" font-size="12" fill="#b00020">${esc(bar.note ?? 'did not finish')}</text>`,
        );
        continue;
      }
      const w = Math.max(2, scale(bar.value) * barW);
      parts.push(
        `<rect x="${labelW}" y="${y - rowH + 5}" width="${w.toFixed(1)}" height="${rowH - 8}" fill="${COLORS[bar.kind]}"/>`,
      );
      parts.push(
        `<text x="${(labelW + w + 6).toFixed(1)}" y="${y - 6}" font-size="12">${Math.round(bar.value).toLocaleString('en')} ${esc(panel.unit)}</text>`,
      );
    }
    y += 30;
  }
  parts.push(`<text x="10" y="${y}" font-size="11" fill="#555">${esc(caption)}</text>`);
  const height = y + 16;
  const title = panels.map((p) => p.title).join('; ');
  return `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" font-family="sans-serif" role="img">
<title>${esc(title)}</title>
<rect width="100%" height="100%" fill="#fff"/>
${parts.join('\n')}
</svg>
`;
}

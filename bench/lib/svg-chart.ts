// Grouped bar charts as standalone SVG (no dependencies): one panel per metric, one group of bars
// per benchmark cell, one bar per series (backend), values printed above the bars. Missing values
// (null) leave a gap marked "n/a".

export interface BarGroup {
  /** Label under the group; "\n" starts a second line. */
  readonly label: string;
  /** One value per series, in series order. */
  readonly values: readonly (number | null)[];
}

export interface BarPanel {
  readonly title: string;
  readonly groups: readonly BarGroup[];
}

export interface BarChart {
  readonly title: string;
  readonly subtitle?: string;
  readonly series: readonly string[];
  readonly panels: readonly BarPanel[];
}

const COLORS = ['#4e79a7', '#f28e2b', '#59a14f', '#b07aa1', '#76b7b2', '#e15759'];
const FONT = 'font-family="system-ui, -apple-system, Segoe UI, Helvetica, Arial, sans-serif"';

function escapeXml(text: string): string {
  return text.replace(/[<>&"']/g, (c) => `&#${c.charCodeAt(0)};`);
}

/** Axis scale for values up to `value`: a round tick step (1, 2 or 5 × 10^k) and four or fewer ticks. */
export function niceScale(value: number): { max: number; step: number } {
  if (!(value > 0)) return { max: 1, step: 0.25 };
  const rough = value / 4;
  const power = 10 ** Math.floor(Math.log10(rough));
  const step = [1, 2, 5, 10].map((m) => m * power).find((s) => s >= rough) ?? 10 * power;
  return { max: step * Math.ceil(value / step), step };
}

export function compactNumber(value: number): string {
  const abs = Math.abs(value);
  if (abs >= 1e6) return `${trim(value / 1e6)}M`;
  if (abs >= 1e3) return `${trim(value / 1e3)}k`;
  if (abs >= 100 || Number.isInteger(value)) return String(Math.round(value));
  return value.toPrecision(2);
}

function trim(value: number): string {
  return value >= 100 ? String(Math.round(value)) : String(Number(value.toFixed(1)));
}

export function groupedBarChartSvg(chart: BarChart): string {
  const groupCount = Math.max(1, ...chart.panels.map((p) => p.groups.length));
  const barWidth = 18;
  const groupGap = 22;
  const groupWidth = chart.series.length * barWidth + groupGap;
  const left = 64;
  const right = 20;
  const plotWidth = Math.max(560, groupCount * groupWidth);
  const width = left + plotWidth + right;
  const header = chart.subtitle !== undefined ? 62 : 44;
  const legendHeight = 26;
  const panelHeight = 230;
  const labelHeight = 40;
  const panelSpacing = 34;
  const height =
    header + legendHeight + chart.panels.length * (panelHeight + labelHeight + panelSpacing);
  const out: string[] = [];
  out.push(
    `<svg xmlns="http://www.w3.org/2000/svg" width="${width}" height="${height}" viewBox="0 0 ${width} ${height}" ${FONT} font-size="11">`,
    `<rect width="100%" height="100%" fill="#fff"/>`,
    `<text x="${left}" y="24" font-size="16" font-weight="600">${escapeXml(chart.title)}</text>`,
  );
  if (chart.subtitle !== undefined) {
    out.push(`<text x="${left}" y="44" fill="#555">${escapeXml(chart.subtitle)}</text>`);
  }
  let x = left;
  chart.series.forEach((name, i) => {
    const color = COLORS[i % COLORS.length]!;
    out.push(
      `<rect x="${x}" y="${header}" width="12" height="12" fill="${color}"/>`,
      `<text x="${x + 16}" y="${header + 10}">${escapeXml(name)}</text>`,
    );
    x += 28 + name.length * 7;
  });
  let top = header + legendHeight;
  for (const panel of chart.panels) {
    const values = panel.groups.flatMap((g) => g.values.filter((v): v is number => v !== null));
    const { max, step } = niceScale(Math.max(0, ...values));
    const y = (value: number): number => top + 18 + (panelHeight - 18) * (1 - value / max);
    const bottom = y(0);
    out.push(
      `<text x="${left}" y="${top + 8}" font-size="13" font-weight="600">${escapeXml(panel.title)}</text>`,
    );
    for (let tick = 0; tick * step <= max * (1 + 1e-9); tick++) {
      const value = tick * step;
      const ty = y(value);
      out.push(
        `<line x1="${left}" x2="${left + plotWidth}" y1="${ty}" y2="${ty}" stroke="${tick === 0 ? '#333' : '#e3e3e3'}"/>`,
        `<text x="${left - 6}" y="${ty + 4}" text-anchor="end" fill="#555">${compactNumber(value)}</text>`,
      );
    }
    panel.groups.forEach((group, g) => {
      const gx = left + g * groupWidth + groupGap / 2;
      group.values.forEach((value, s) => {
        const bx = gx + s * barWidth;
        if (value === null) {
          out.push(
            `<text x="${bx + barWidth / 2}" y="${bottom - 4}" text-anchor="middle" fill="#999" font-size="8">n/a</text>`,
          );
          return;
        }
        const by = y(value);
        out.push(
          `<rect x="${bx}" y="${by}" width="${barWidth - 2}" height="${Math.max(0, bottom - by)}" fill="${COLORS[s % COLORS.length]!}"><title>${escapeXml(`${chart.series[s] ?? ''} ${group.label.replace('\n', ' ')}: ${value.toFixed(1)}`)}</title></rect>`,
          `<text x="${bx + (barWidth - 2) / 2}" y="${by - 3}" text-anchor="middle" font-size="8" fill="#333">${compactNumber(value)}</text>`,
        );
      });
      group.label.split('\n').forEach((line, i) => {
        out.push(
          `<text x="${gx + (chart.series.length * barWidth) / 2}" y="${bottom + 14 + i * 12}" text-anchor="middle" fill="#333">${escapeXml(line)}</text>`,
        );
      });
    });
    top += panelHeight + labelHeight + panelSpacing;
  }
  out.push('</svg>');
  return `${out.join('\n')}\n`;
}

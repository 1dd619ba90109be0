// Markdown tables for benchmark output: readable in a terminal and pasteable into docs/ as is.

export type Align = 'left' | 'right';

export interface Column<Row> {
  readonly header: string;
  readonly align?: Align;
  readonly value: (row: Row) => string;
}

/** Formats a number with fixed decimals; NaN, null and undefined print as "–". */
export function fixed(value: number | null | undefined, decimals = 0): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return '–';
  return value.toLocaleString('en-US', {
    minimumFractionDigits: decimals,
    maximumFractionDigits: decimals,
  });
}

export function markdownTable<Row>(columns: readonly Column<Row>[], rows: readonly Row[]): string {
  const cells = rows.map((row) => columns.map((column) => column.value(row)));
  const widths = columns.map((column, i) =>
    Math.max(column.header.length, 3, ...cells.map((line) => line[i]!.length)),
  );
  const pad = (text: string, i: number): string =>
    columns[i]!.align === 'right' ? text.padStart(widths[i]!) : text.padEnd(widths[i]!);
  const line = (values: readonly string[]): string =>
    `| ${values.map((value, i) => pad(value, i)).join(' | ')} |`;
  const rule = `|${columns
    .map((column, i) =>
      column.align === 'right' ? `${'-'.repeat(widths[i]! + 1)}:` : '-'.repeat(widths[i]! + 2),
    )
    .join('|')}|`;
  return [line(columns.map((column) => column.header)), rule, ...cells.map(line)].join('\n');
}

export interface BarSeries {
  label: string;
  /** Class of the bars, for their colour. */
  tone: string;
  values: Record<string, number>;
}

/**
 * Grouped bars (one group per category, one bar per series) drawn as SVG, with the same numbers in a
 * table for screen readers and for copying.
 */
export function BarChart({ title, categories, series }: { title: string; categories: readonly string[]; series: BarSeries[] }) {
  const max = Math.max(1, ...series.flatMap((s) => categories.map((c) => s.values[c] ?? 0)));
  const groupWidth = 100 / categories.length;
  const barWidth = (groupWidth * 0.7) / series.length;
  return (
    <figure class="chart">
      <figcaption>{title}</figcaption>
      <svg viewBox="0 0 100 60" preserveAspectRatio="none" role="img" aria-label={title} class="chart-svg">
        {categories.map((category, ci) =>
          series.map((s, si) => {
            const value = s.values[category] ?? 0;
            const height = (value / max) * 50;
            return (
              <rect
                key={`${category}-${s.label}`}
                class={`bar ${s.tone}`}
                x={ci * groupWidth + groupWidth * 0.15 + si * barWidth}
                y={55 - height}
                width={barWidth * 0.9}
                height={height}
              >
                <title>{`${s.label}, ${category}: ${value}`}</title>
              </rect>
            );
          }),
        )}
      </svg>
      <div class="chart-axis" aria-hidden="true">
        {categories.map((c) => (
          <span key={c}>{c}</span>
        ))}
      </div>
      <table class="chart-table">
        <caption class="visually-hidden">{title}</caption>
        <thead>
          <tr>
            <th scope="col">Category</th>
            {series.map((s) => (
              <th scope="col" key={s.label}>
                <span class={`swatch ${s.tone}`} aria-hidden="true" /> {s.label}
              </th>
            ))}
          </tr>
        </thead>
        <tbody>
          {categories.map((c) => (
            <tr key={c}>
              <th scope="row">{c}</th>
              {series.map((s) => (
                <td key={s.label} data-series={s.label} data-category={c}>
                  {s.values[c] ?? 0}
                </td>
              ))}
            </tr>
          ))}
        </tbody>
      </table>
    </figure>
  );
}

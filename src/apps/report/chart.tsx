import { t } from "../../ui/text.js";

/** One piece of a bar: its series, its value for the geometry, and its amount as the person reads it. */
export interface Segment {
  series: string;
  value: number;
  text: string;
}
/** A labelled group of bars (a month, a bucket, an activity); a bar of several segments is stacked. */
export interface BarGroup {
  label: string;
  bars: Segment[][];
}

const COLORS = ["#017e84", "#714b67", "#b54708", "#667085", "#067647", "#b42318"];
const HEIGHT = 220;
const TOP = 12;
const BOTTOM = 40;
const LEFT = 8;

/**
 * A bar chart in plain SVG. Numbers serve the geometry only: every amount shown (the bar's title, the legend) is
 * the text the caller wrote with moneyText. Negative values go down from the zero line.
 */
export function BarChart({ title, groups }: { title: string; groups: BarGroup[] }) {
  const series = [...new Set(groups.flatMap((group) => group.bars.flat().map((segment) => segment.series)))];
  const color = (name: string) => COLORS[series.indexOf(name) % COLORS.length];
  const ends = groups.flatMap((group) =>
    group.bars.map((bar) => {
      const up = bar.filter((s) => s.value > 0).reduce((sum, s) => sum + s.value, 0);
      const down = bar.filter((s) => s.value < 0).reduce((sum, s) => sum + s.value, 0);
      return [up, down];
    }),
  );
  const max = Math.max(0, ...ends.map(([up]) => up ?? 0));
  const min = Math.min(0, ...ends.map(([, down]) => down ?? 0));
  const span = max - min || 1;
  const plot = HEIGHT - TOP - BOTTOM;
  const y = (value: number) => TOP + ((max - value) / span) * plot;
  const barsPerGroup = Math.max(1, ...groups.map((group) => group.bars.length));
  const groupWidth = Math.max(48, barsPerGroup * 26 + 16);
  const width = LEFT * 2 + groups.length * groupWidth;
  return (
    <figure className="chart" aria-label={title}>
      <figcaption>{t(title, 120)}</figcaption>
      <svg
        role="img"
        aria-label={title}
        viewBox={`0 0 ${width} ${HEIGHT}`}
        width={width}
        height={HEIGHT}
        preserveAspectRatio="xMinYMin meet"
      >
        <line className="zero" x1={LEFT} x2={width - LEFT} y1={y(0)} y2={y(0)} />
        {groups.map((group, g) => {
          const x0 = LEFT + g * groupWidth + (groupWidth - group.bars.length * 26) / 2;
          return (
            // biome-ignore lint/suspicious/noArrayIndexKey: groups are in their axis order, a label may repeat
            <g key={g} className="group" data-label={group.label}>
              {group.bars.map((bar, b) => {
                let up = 0;
                let down = 0;
                return (
                  // biome-ignore lint/suspicious/noArrayIndexKey: a group's bars are in series order
                  <g key={b} className="bar">
                    {bar.map((segment) => {
                      const from = segment.value >= 0 ? up : down;
                      const to = from + segment.value;
                      if (segment.value >= 0) up = to;
                      else down = to;
                      const top = y(Math.max(from, to));
                      return (
                        <rect
                          key={segment.series}
                          data-series={segment.series}
                          x={x0 + b * 26 + 2}
                          y={top}
                          width={22}
                          height={Math.max(1, y(Math.min(from, to)) - top)}
                          fill={color(segment.series)}
                        >
                          <title>{`${t(group.label, 60)}, ${t(segment.series, 60)}: ${t(segment.text, 60)}`}</title>
                        </rect>
                      );
                    })}
                  </g>
                );
              })}
              <text className="label" x={LEFT + g * groupWidth + groupWidth / 2} y={HEIGHT - BOTTOM + 16}>
                {t(group.label, 16)}
              </text>
            </g>
          );
        })}
      </svg>
      {series.length > 1 && (
        <ul className="legend">
          {series.map((name) => (
            <li key={name}>
              <span className="swatch" style={{ background: color(name) }} /> {t(name, 60)}
            </li>
          ))}
        </ul>
      )}
    </figure>
  );
}

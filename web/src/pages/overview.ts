// Overview: every watched series in one table, the heatmaps of change and of
// volume against its average, the 30-day returns correlation, the market state.

import { get } from "../api";
import { badge, h, replace, section, table } from "../dom";
import { heat, num, pct, price, seriesLabel, trendClass, utc } from "../format";
import type { Correlation, LastAlert, MarketState, Overview, SeriesRow } from "../types";

const seriesHref = (key: string): string => `#/series/${encodeURIComponent(key)}`;

function change(value: number | null): HTMLElement {
  return h("span", { class: `change ${trendClass(value)}` }, pct(value));
}

function lastAlert(alert: LastAlert | null, key: string): HTMLElement | string {
  if (!alert) return "none";
  return h(
    "a",
    { href: `#/alerts/${encodeURIComponent(`${key}@${alert.candle_ts}`)}`, class: "last-alert" },
    badge(alert.status, alert.status),
    " ",
    alert.subject ?? alert.rules.join(", "),
    h("small", { class: "muted" }, ` ${utc(alert.candle_ts)}`),
  );
}

function seriesTable(rows: SeriesRow[]): HTMLElement {
  return table(
    ["Series", "Close", "1h", "24h", "7d", "RSI", "Trend", "Volatility", "Last alert", "Models"],
    rows.map((r) => [
      h(
        "div",
        null,
        h("a", { href: seriesHref(r.key), class: "series-link", "data-key": r.key }, r.name ?? seriesLabel(r.key)),
        r.name ? h("div", { class: "muted small" }, seriesLabel(r.key)) : null,
        r.error ? h("div", { class: "error small" }, r.error) : null,
        !r.error && r.last_ts === null ? h("div", { class: "muted small no-candles" }, "no candles stored yet") : null,
        r.healthy === false ? badge("data unhealthy", "suppressed") : null,
      ),
      h("span", { class: "num" }, price(r.close)),
      change(r.change_1h),
      change(r.change_24h),
      change(r.change_7d),
      h("span", { class: "num" }, num(r.rsi, 1)),
      r.trend,
      r.volatility,
      lastAlert(r.last_alert, r.key),
      r.verdicts.length
        ? h(
            "ul",
            { class: "plain" },
            // The label (e.g. "forest: +2% in 24h 62% · skill: none"); the full sentence is on the series page.
            r.verdicts.map((v) => h("li", { class: v.beats_baseline ? "" : "muted", title: v.text }, v.label)),
          )
        : h("span", { class: "muted" }, "no model yet"),
    ]),
    "series-table",
  );
}

/** A grid of coloured cells; each cell says its value, so colour is never the only cue. */
function heatGrid(
  title: string,
  rowLabels: { label: string; href?: string }[],
  columns: string[],
  values: (number | null)[][],
  colour: (v: number | null) => string,
  text: (v: number | null) => string,
): HTMLElement {
  const grid = h("div", { class: "heat", role: "table", "aria-label": title });
  grid.style.gridTemplateColumns = `minmax(6rem, 1.4fr) repeat(${columns.length}, minmax(0, 1fr))`;
  grid.append(h("div", { class: "heat-head", role: "columnheader" }, ""));
  for (const c of columns) grid.append(h("div", { class: "heat-head", role: "columnheader" }, c));
  rowLabels.forEach((row, i) => {
    grid.append(
      h("div", { class: "heat-label", role: "rowheader" }, row.href ? h("a", { href: row.href }, row.label) : row.label),
    );
    for (const v of values[i] ?? []) {
      const cell = h("div", { class: "heat-cell", role: "cell" }, text(v));
      cell.style.backgroundColor = colour(v);
      grid.append(cell);
    }
  });
  return grid;
}

const coinOf = (r: SeriesRow): string => `${r.symbol}${r.source === "kraken" ? "" : ` (${r.source})`}`;

function heatmaps(rows: SeriesRow[]): HTMLElement[] {
  const live = rows.filter((r) => !r.error);
  const changes = heatGrid(
    "Change by series",
    live.map((r) => ({ label: `${r.symbol} ${r.timeframe}`, href: seriesHref(r.key) })),
    ["1h", "24h", "7d"],
    live.map((r) => [r.change_1h, r.change_24h, r.change_7d]),
    (v) => heat(v, 0.1),
    pct,
  );
  const coins = [...new Set(live.map(coinOf))];
  const timeframes = [...new Set(live.map((r) => r.timeframe))];
  const volume = heatGrid(
    "Volume against its 20-candle average",
    coins.map((c) => ({ label: c })),
    timeframes,
    coins.map((c) => timeframes.map((tf) => live.find((r) => coinOf(r) === c && r.timeframe === tf)?.volume_ratio ?? null)),
    (v) => (v === null ? "transparent" : heat(Math.log2(v), 2)),
    (v) => (v === null ? "–" : `${num(v, 1)}×`),
  );
  return [
    h("div", { class: "heat-block" }, h("h3", null, "Change"), changes),
    h("div", { class: "heat-block" }, h("h3", null, "Volume ÷ 20-candle average"), volume),
  ];
}

function correlation(c: Correlation): HTMLElement {
  if (c.keys.length < 2) return h("p", { class: "muted" }, "Fewer than two series with 30 days of candles.");
  const labels = c.keys.map((k) => seriesLabel(k).split(" · ")[0] ?? k);
  return heatGrid(
    `Correlation of returns over ${c.days} days`,
    labels.map((label, i) => ({ label, href: seriesHref(c.keys[i] ?? "") })),
    labels.map((l) => l.split(" ")[0] ?? l),
    c.matrix,
    (v) => heat(v, 1),
    (v) => (v === null ? "–" : num(v, 2)),
  );
}

function market(m: MarketState): HTMLElement {
  return h(
    "div",
    { class: "market" },
    h(
      "p",
      null,
      m.reference ? `Read from ${seriesLabel(m.reference)}: ` : "No BTC series to read the market from. ",
      m.trend_4h ? h("span", null, `4h trend ${m.trend_4h}. `) : null,
      m.trend_1d ? h("span", null, `1d trend ${m.trend_1d}.`) : null,
    ),
    m.lines.length ? h("ul", { class: "plain" }, m.lines.map((l) => h("li", null, l))) : null,
    h(
      "p",
      null,
      "Last market email: ",
      m.last_market_email
        ? h(
            "span",
            null,
            badge(m.last_market_email.status, m.last_market_email.status),
            ` ${m.last_market_email.subject ?? ""} (${utc(m.last_market_email.candle_ts)})`,
          )
        : "none",
    ),
  );
}

export async function renderOverview(view: HTMLElement): Promise<void> {
  const overview = await get<Overview>("/overview");
  replace(
    view,
    h("h1", null, "Overview"),
    h("p", { class: "muted small" }, `As of ${utc(overview.generated_at)} · ${overview.series.length} series`),
    section("Market", market(overview.market)),
    section("Series", seriesTable(overview.series)),
    section("Heatmaps", h("div", { class: "heat-pair" }, heatmaps(overview.series))),
    section(`Correlation (${overview.correlation.days} days of returns)`, correlation(overview.correlation)),
  );
}

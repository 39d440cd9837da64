// Overview: every watched series in one table, the heatmaps of change and of
// volume against its average, the 30-day returns correlation, the market state.

import { get } from "../api";
import { badge, h, replace, section, table } from "../dom";
import { candleTime, heat, num, pct, price, seriesLabel, trendClass, utc } from "../format";
import { dataWarnings, NO_CANDLE_WHY } from "../health";
import type { Correlation, LastAlert, MarketState, Overview, SeriesRow } from "../types";

const seriesHref = (key: string): string => `#/series/${encodeURIComponent(key)}`;

function change(value: number | null): HTMLElement {
  return h("span", { class: `change ${trendClass(value)}` }, pct(value));
}

function lastAlert(alert: LastAlert | null, key: string, timeframe: string): HTMLElement | string {
  if (!alert) return "none";
  return h(
    "a",
    { href: `#/alerts/${encodeURIComponent(`${key}@${alert.candle_ts}`)}`, class: "last-alert" },
    badge(alert.status, alert.status),
    " ",
    alert.subject ?? alert.rules.join(", "),
    h("small", { class: "muted" }, ` ${candleTime(alert.candle_ts, alert.timeframe ?? timeframe)}`),
  );
}

/**
 * One signal per row that its figures cannot be trusted: the warning lines (stale since its newest candle, the
 * data's reasons), which say what and since when; a bare "data unhealthy" badge only where no line says why.
 */
function healthSignal(r: SeriesRow): HTMLElement[] {
  const warnings = dataWarnings(r.last_ts, r.timeframe, { stale: r.stale, reasons: r.health_reasons });
  return warnings.length || r.healthy !== false ? warnings : [badge("data unhealthy", "suppressed")];
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
        !r.error && r.last_ts === null
          ? h("div", { class: "muted small" }, h("span", { class: "no-candles" }, "no candles stored yet"), `: ${NO_CANDLE_WHY}`)
          : null,
        healthSignal(r),
      ),
      h(
        "div",
        null,
        h("span", { class: "num" }, price(r.close)),
        r.last_ts !== null ? h("div", { class: "muted small last-candle" }, candleTime(r.last_ts, r.timeframe)) : null,
      ),
      change(r.change_1h),
      change(r.change_24h),
      change(r.change_7d),
      h("span", { class: "num" }, num(r.rsi, 1)),
      r.trend,
      r.volatility,
      lastAlert(r.last_alert, r.key, r.timeframe),
      r.verdicts.length
        ? h(
            "ul",
            { class: "plain" },
            // The label (e.g. "forest: +2% in 24h 62% · skill: none"); the full sentence is on the series page.
            r.verdicts.map((v) => h("li", { class: v.beats_baseline ? "" : "muted", title: v.text }, v.label)),
          )
        : // The analysis withholds predictions on unhealthy data: a series with a model then shows none either.
          h("span", { class: "muted" }, r.health_reasons?.length ? "withheld: data unhealthy" : "no model yet"),
    ]),
    "series-table",
  );
}

/** The least widths (CSS) of a heat grid's label column and of each value's column. */
interface HeatWidths {
  label: string;
  value: string;
}

/**
 * A grid of coloured cells; each cell says its value, so colour is never the only cue. ``least``: its columns' least
 * widths; a grid wider than its box then overflows it (the correlation matrix scrolls inside a box of its own).
 */
function heatGrid(
  title: string,
  rowLabels: { label: string; href?: string }[],
  columns: string[],
  values: (number | null)[][],
  colour: (v: number | null) => string,
  text: (v: number | null) => string,
  least: HeatWidths = { label: "6rem", value: "0" },
): HTMLElement {
  const grid = h("div", { class: "heat", role: "table", "aria-label": title });
  grid.style.gridTemplateColumns = `minmax(${least.label}, 1.4fr) repeat(${columns.length}, minmax(${least.value}, 1fr))`;
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

/**
 * Each series key named as briefly as it stays told apart from the others: its pair ("ETH/USD"), then with its
 * timeframe ("ETH/USD 4h") where two series share the pair, then with its source; ``least`` the fewest of those parts.
 */
function distinctLabels(keys: string[], least = 1): string[] {
  const spelled = (key: string, parts: number): string => {
    const [source = "", pair = "", timeframe = ""] = key.split(":");
    return [pair.replace("-", "/"), timeframe, source].slice(0, parts).join(" ") || key;
  };
  return keys.map((key) => {
    for (let parts = least; parts < 3; parts++) {
      const mine = spelled(key, parts);
      if (keys.filter((other) => spelled(other, parts) === mine).length === 1) return mine;
    }
    return spelled(key, 3);
  });
}

/** Every column at least as wide as its header ("ETH/USD 4h") and values ("-0.75"): a phone scrolls the matrix's box. */
const CORRELATION_WIDTHS: HeatWidths = { label: "max-content", value: "max-content" };

function correlation(c: Correlation): HTMLElement {
  if (c.keys.length < 2) return h("p", { class: "muted" }, "Fewer than two series with 30 days of candles.");
  const title = `Correlation of returns over ${c.days} days`;
  const grid = heatGrid(
    title,
    distinctLabels(c.keys, 2).map((label, i) => ({ label, href: seriesHref(c.keys[i] ?? "") })),
    distinctLabels(c.keys),
    c.matrix,
    (v) => heat(v, 1),
    (v) => (v === null ? "–" : num(v, 2)),
    CORRELATION_WIDTHS,
  );
  // The box scrolls, not the page; focusable so a keyboard can scroll it too.
  const box = h("div", { class: "heat-scroll", role: "region", "aria-label": `${title} (scrolls sideways)`, tabindex: 0 }, grid);
  box.style.overflowX = "auto";
  return box;
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
            ` ${m.last_market_email.subject ?? ""} (${candleTime(m.last_market_email.candle_ts, m.last_market_email.timeframe ?? undefined)})`,
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

// Series: the interactive chart, then what the advisor knows about the series:
// the prediction, how its past alerts fared, the rules' records, the model cards
// with the forest's feature importances, the forecast ledger's live record and
// the news with its mood.

import { get, pathPart } from "../api";
import { drawChart, type DrawnChart } from "../chart";
import { badge, firstOf, fold, h, replace, section, table } from "../dom";
import { candleTime, num, price, seriesLabel, utc } from "../format";
import { dataWarnings, NO_CANDLE_WHY } from "../health";
import type { DataHealth, Marker, ModelCard, NewsArticle, SeriesDetail } from "../types";

let drawn: DrawnChart | null = null;

/** The alert email's own title for its past alerts' record (notify/text.py: PAST_ALERTS_TITLE), so both say it alike. */
const PAST_ALERTS_TITLE = "How past alerts on this series fared";

window.addEventListener("hashchange", () => {
  drawn?.dispose();
  drawn = null;
});

function importances(card: ModelCard): HTMLElement | null {
  if (!card.feature_importances) return null;
  const entries = Object.entries(card.feature_importances).sort((a, b) => b[1] - a[1]).slice(0, 12);
  const top = entries[0]?.[1] ?? 1;
  return h(
    "div",
    { class: "bars", "aria-label": "feature importances" },
    h("h4", null, "Feature importances (mean decrease in impurity)"),
    entries.map(([feature, value]) => {
      const bar = h("span", { class: "bar" });
      bar.style.width = `${Math.max(2, (value / top) * 100)}%`;
      return h("div", { class: "bar-row" }, h("span", { class: "bar-label" }, feature), h("span", { class: "bar-track" }, bar), h("span", { class: "num" }, num(value, 3)));
    }),
  );
}

/** "374 candles (15 non-overlapping 24-candle periods)": rows H candles apart share no target, the sample to weigh. */
function sampleText(card: ModelCard): string {
  const rows = `${card.n.toLocaleString("en-US")} candles`;
  return card.horizon > 1 ? `${rows} (${Math.floor(card.n / card.horizon).toLocaleString("en-US")} non-overlapping ${card.horizon}-candle periods)` : rows;
}

function modelCard(card: ModelCard): HTMLElement {
  const scoreRows = Object.entries(card.scores).map(([name, values]) => [
    name,
    Object.entries(values)
      .map(([k, v]) => `${k} ${v === null ? "–" : num(v, 3)}`)
      .join(" · "),
  ]);
  return h(
    "article",
    { class: "card model-card" },
    h("h3", null, `${card.model} `, h("small", { class: "muted" }, `${card.kind}, ${card.horizon} candles ahead`)),
    h("p", null, card.verdict),
    h("p", { class: "muted small" }, `Out of sample: ${sampleText(card)} over ${card.folds} folds, against ${card.baseline}.`),
    scoreRows.length || card.feature_importances
      ? fold("Scores and feature importances", scoreRows.length ? table(["Scores", "Values"], scoreRows) : null, importances(card))
      : null,
  );
}

/** What became of a firing, in the alert log's words: "emailed", "held back: cooldown", "suppressed: bad data". */
function outcome(m: Marker): HTMLElement {
  const [text, kind] = ((): [string, string] => {
    switch (m.outcome) {
      case "emailed":
        return [m.status === "sent" ? "emailed" : `emailed (${m.status ?? "unknown"})`, m.status === "sent" ? "sent" : "unknown"];
      case "left_out":
        return ["held back: not in its candle's email", "held"];
      case "held_back":
        return [`held back: ${m.reason ?? "no reason recorded"}`, "held"];
      case "suppressed":
        return ["suppressed: bad data", "suppressed"];
      default:
        return ["no decision recorded", "unknown"];
    }
  })();
  return h("span", { class: "outcome", "data-ts": m.ts, "data-rule": m.rule ?? "" }, badge(text, kind));
}

function article(a: NewsArticle): HTMLElement {
  const mood = a.score > 0.05 ? "up" : a.score < -0.05 ? "down" : "flat";
  return h(
    "li",
    null,
    h("span", { class: `change ${mood}` }, num(a.score, 2)),
    " ",
    h("a", { href: a.url, rel: "noopener noreferrer nofollow", target: "_blank", referrerpolicy: "no-referrer" }, a.title),
    h("small", { class: "muted" }, ` ${a.source} · ${utc(a.published_ts)}`),
  );
}

export async function renderSeries(view: HTMLElement, key: string): Promise<void> {
  const detail = await get<SeriesDetail>(`/series/${pathPart(key)}`);
  const last = detail.candles[detail.candles.length - 1];
  const health: DataHealth = detail.health ?? { healthy: null, stale: false, reasons: [] };
  const chartBox = h("div", { class: "chart", id: "chart", role: "img", "aria-label": `Candlestick chart of ${seriesLabel(key)}` });
  const firings = detail.markers.filter((m) => m.kind === "firing");
  const emails = detail.markers.filter((m) => m.kind === "email");
  replace(
    view,
    h("h1", null, seriesLabel(detail.key).split(" · ")[0], " ", h("small", { class: "muted" }, [detail.name, detail.key].filter(Boolean).join(" · "))),
    h(
      "p",
      { class: "muted small" },
      last ? `Last close ${price(last.close)} (candle ${candleTime(last.ts, detail.timeframe)}) · ${firings.length} firings, ${emails.length} emails on the chart · ` : "",
      h("a", { href: `#/alerts?series=${encodeURIComponent(detail.key)}` }, "alert decisions"),
    ),
    dataWarnings(last?.ts ?? null, detail.timeframe, health),
    detail.notes.length ? h("ul", { class: "notes" }, detail.notes.map((n) => h("li", null, n))) : null,
    last
      ? h("section", { class: "panel chart-panel" }, chartBox, h("p", { class: "legend small muted" }, "Panes: price with EMA 9/21/50 and Bollinger 20/2 · volume with its 20-candle average · RSI 14 · MACD 12/26/9. Arrows: rules that fired (grey: suppressed for bad data, never alerted on; the table below says which were emailed and which held back); squares: emails sent. Chart: ", h("a", { href: "https://www.tradingview.com/lightweight-charts/", rel: "noopener noreferrer", target: "_blank" }, "TradingView Lightweight Charts™"), "."))
      : h("section", { class: "panel" }, h("p", { class: "no-candles" }, `No candles stored yet: ${NO_CANDLE_WHY}.`)),
    section(
      "Prediction",
      detail.predictions.length
        ? h("ul", { class: "plain" }, detail.predictions.map((p) => h("li", null, badge(p.beats_baseline ? "beats naive" : "no edge", p.beats_baseline ? "sent" : "suppressed"), ` ${p.model}: ${p.text}`)))
        : h("p", { class: "muted" }, "No prediction on the newest signal."),
    ),
    section(
      "Rules fired",
      // Newest first; the chart marks every one, so the list shows the last few and folds the rest.
      firings.length
        ? firstOf(firings.slice(-30).reverse(), 5, (shown) =>
            table(
              ["Candle", "Rule", "What it saw", "Outcome"],
              shown.map((m) => [candleTime(m.ts, detail.timeframe), m.rule ?? "", m.text, outcome(m)]),
            ),
          )
        : h("p", { class: "muted" }, "No rule fired over these candles."),
    ),
    detail.past_alerts ? section(PAST_ALERTS_TITLE, h("p", { class: "past-alerts" }, detail.past_alerts)) : null,
    section(
      "The rules' records",
      detail.rule_records.length
        ? fold(`${detail.rule_records.length} rules replayed on this series`, h("ul", { class: "plain" }, detail.rule_records.map((r) => h("li", null, h("strong", null, r.title), ` ${r.sentence}`))))
        : h("p", { class: "muted" }, "No replay yet (the training run writes it)."),
    ),
    section(
      "Models",
      detail.model_cards.length ? h("div", { class: "cards-grid" }, detail.model_cards.map(modelCard)) : h("p", { class: "muted" }, "No model trained for this series yet."),
      h("h3", null, "Live record (graded emailed predictions)"),
      detail.live_records.length
        ? h("ul", { class: "plain" }, detail.live_records.map((r) => h("li", null, h("strong", null, r.model), ` ${r.text}`)))
        : h("p", { class: "muted" }, "No emailed prediction graded yet."),
    ),
    section(
      "News",
      h("p", null, detail.news.mood),
      detail.news.articles.length
        ? firstOf(detail.news.articles, 5, (shown) => h("ul", { class: "plain news" }, shown.map(article)))
        : h("p", { class: "muted" }, "No articles stored."),
    ),
  );
  drawn?.dispose();
  drawn = detail.candles.length ? drawChart(chartBox, detail) : null;
}

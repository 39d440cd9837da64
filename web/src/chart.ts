// The series chart: TradingView's lightweight-charts (bundled from npm, no CDN),
// candles with EMAs and Bollinger bands, then volume, RSI and MACD panes,
// markers where rules fired and where emails went, and the prediction drawn
// past the last candle (the path, and the interval's bounds as a cone).
// Colours come from the page's CSS variables, so the chart follows light/dark.

import {
  CandlestickSeries,
  ColorType,
  HistogramSeries,
  LineSeries,
  LineStyle,
  createChart,
  createSeriesMarkers,
  type IChartApi,
  type ISeriesApi,
  type SeriesMarker,
  type Time,
  type UTCTimestamp,
} from "lightweight-charts";
import { timeframeMs } from "./format";
import type { LinePoint, Marker, Prediction, SeriesDetail } from "./types";

const t = (ms: number): UTCTimestamp => Math.floor(ms / 1000) as UTCTimestamp;
const line = (points: LinePoint[] | undefined) => (points ?? []).map((p) => ({ time: t(p.ts), value: p.value }));

function palette() {
  const css = getComputedStyle(document.documentElement);
  const v = (name: string): string => css.getPropertyValue(name).trim();
  return {
    bg: v("--panel"),
    fg: v("--fg"),
    muted: v("--muted"),
    grid: v("--grid"),
    up: v("--up"),
    down: v("--down"),
    accent: v("--accent"),
    ema: [v("--ema1"), v("--ema2"), v("--ema3")],
    band: v("--band"),
  };
}

function themeOptions() {
  const p = palette();
  return {
    layout: {
      background: { type: ColorType.Solid, color: p.bg },
      textColor: p.fg,
      fontFamily: "system-ui, sans-serif",
      // the logo injects a <style> element, which the page's CSP refuses; the legend under the chart credits TradingView instead
      attributionLogo: false,
      panes: { separatorColor: p.grid, enableResize: true },
    },
    grid: { vertLines: { color: p.grid }, horzLines: { color: p.grid } },
  };
}

function markerOf(m: Marker, up: string, down: string, muted: string, accent: string): SeriesMarker<Time> {
  if (m.kind === "email") {
    return { time: t(m.ts), position: "aboveBar", shape: "square", color: accent, text: "email" };
  }
  const bearish = m.direction === "bearish";
  return {
    time: t(m.ts),
    position: bearish ? "aboveBar" : "belowBar",
    shape: m.direction === "neutral" ? "circle" : bearish ? "arrowDown" : "arrowUp",
    color: m.suppressed ? muted : bearish ? down : up,
    text: m.rule ?? "",
  };
}

function drawPrediction(chart: IChartApi, detail: SeriesDetail, p: Prediction, colour: string): void {
  const last = detail.candles[detail.candles.length - 1];
  if (!last) return;
  const step = timeframeMs(detail.timeframe) ?? 3_600_000;
  const start = { time: t(last.ts), value: last.close };
  const dashed = { color: colour, lineWidth: 2 as const, lineStyle: LineStyle.Dashed, priceLineVisible: false, lastValueVisible: true };
  if (p.kind === "path" && p.path?.length) {
    const s = chart.addSeries(LineSeries, { ...dashed, title: `${p.model} path` }, 0);
    s.setData([start, ...p.path.map((value, i) => ({ time: t(last.ts + (i + 1) * step), value }))]);
  } else if (p.kind === "interval" && p.low != null && p.high != null) {
    const at = t(last.ts + p.horizon * step);
    const level = p.level != null ? `${Math.round(p.level * 100)}% ` : "";
    for (const [bound, value] of [["low", p.low], ["high", p.high]] as const) {
      const s = chart.addSeries(LineSeries, { ...dashed, lineStyle: LineStyle.Dotted, lastValueVisible: false, title: `${level}${bound}` }, 0);
      s.setData([start, { time: at, value }]);
    }
  }
}

export interface DrawnChart {
  chart: IChartApi;
  candles: ISeriesApi<"Candlestick">;
  dispose(): void;
}

export function drawChart(container: HTMLElement, detail: SeriesDetail): DrawnChart {
  const p = palette();
  const chart = createChart(container, {
    autoSize: true,
    ...themeOptions(),
    timeScale: { timeVisible: true, secondsVisible: false, rightOffset: 6 },
    rightPriceScale: { borderVisible: false },
    localization: { timeFormatter: (time: UTCTimestamp) => new Date(time * 1000).toISOString().slice(0, 16).replace("T", " ") },
  });

  const candles = chart.addSeries(
    CandlestickSeries,
    { upColor: p.up, downColor: p.down, borderVisible: false, wickUpColor: p.up, wickDownColor: p.down },
    0,
  );
  candles.setData(detail.candles.map((c) => ({ time: t(c.ts), open: c.open, high: c.high, low: c.low, close: c.close })));

  const overlay = { lineWidth: 1 as const, priceLineVisible: false, lastValueVisible: false, crosshairMarkerVisible: false };
  Object.entries(detail.indicators.ema).forEach(([name, points], i) => {
    chart.addSeries(LineSeries, { ...overlay, color: p.ema[i % p.ema.length], title: name.replace("_", " ").toUpperCase() }, 0).setData(line(points));
  });
  for (const [name, points] of Object.entries(detail.indicators.bollinger)) {
    chart
      .addSeries(LineSeries, { ...overlay, color: p.band, lineStyle: name.endsWith("middle") ? LineStyle.Dotted : LineStyle.Solid }, 0)
      .setData(line(points));
  }
  for (const prediction of detail.predictions) drawPrediction(chart, detail, prediction, p.accent);

  const markers = detail.markers
    .map((m) => markerOf(m, p.up, p.down, p.muted, p.accent))
    .sort((a, b) => (a.time as number) - (b.time as number));
  const plugin = createSeriesMarkers(candles, markers);
  // what the chart holds, for a reader of the DOM (the browser tests): candles drawn and markers placed
  container.dataset.candles = String(detail.candles.length);
  container.dataset.markers = String(plugin.markers().length);

  const volume = chart.addSeries(HistogramSeries, { priceFormat: { type: "volume" }, priceLineVisible: false, title: "volume" }, 1);
  volume.setData(detail.candles.map((c) => ({ time: t(c.ts), value: c.volume, color: c.close >= c.open ? p.up : p.down })));
  chart.addSeries(LineSeries, { ...overlay, color: p.fg, title: "avg 20" }, 1).setData(line(detail.indicators.volume_ma));

  const rsi = chart.addSeries(LineSeries, { lineWidth: 1, color: p.accent, priceLineVisible: false, title: "RSI 14" }, 2);
  rsi.setData(line(detail.indicators.rsi));
  for (const level of [30, 70]) rsi.createPriceLine({ price: level, color: p.muted, lineStyle: LineStyle.Dashed, lineWidth: 1, axisLabelVisible: true, title: "" });

  const macd = detail.indicators.macd;
  chart
    .addSeries(HistogramSeries, { priceLineVisible: false, lastValueVisible: false, title: "hist" }, 3)
    .setData(line(macd.macd_hist).map((d) => ({ ...d, color: d.value >= 0 ? p.up : p.down })));
  chart.addSeries(LineSeries, { ...overlay, color: p.accent, title: "MACD" }, 3).setData(line(macd.macd));
  chart.addSeries(LineSeries, { ...overlay, color: p.ema[1], title: "signal" }, 3).setData(line(macd.macd_signal));

  // shares of the chart's height (stretch factors survive resizes, pixel heights would not)
  chart.panes().forEach((pane, i) => pane.setStretchFactor([0.54, 0.14, 0.16, 0.16][i] ?? 0.16));

  const last = detail.candles.length;
  const ahead = Math.max(8, ...detail.predictions.map((p) => (p.kind === "breakout" ? 0 : p.horizon + 2)));
  if (last > 150) chart.timeScale().setVisibleLogicalRange({ from: last - 150, to: last + ahead });
  else chart.timeScale().fitContent();

  const scheme = matchMedia("(prefers-color-scheme: dark)");
  const retheme = (): void => chart.applyOptions(themeOptions());
  scheme.addEventListener("change", retheme);
  return {
    chart,
    candles,
    dispose() {
      scheme.removeEventListener("change", retheme);
      chart.remove();
    },
  };
}

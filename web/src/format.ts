// One formatter per kind of number, in the reader's locale.

const pctFmt = new Intl.NumberFormat(undefined, { style: "percent", minimumFractionDigits: 1, maximumFractionDigits: 1, signDisplay: "exceptZero" });
const numFmt = new Intl.NumberFormat(undefined, { maximumFractionDigits: 2 });

export function pct(value: number | null | undefined): string {
  return value === null || value === undefined ? "–" : pctFmt.format(value);
}

export function num(value: number | null | undefined, digits = 2): string {
  if (value === null || value === undefined) return "–";
  return digits === 2 ? numFmt.format(value) : value.toFixed(digits);
}

/** A price as the emails write it (market/numbers.py `price`): five significant digits, at least two decimals, no
 * trailing zeros past them, never "0.00" for a small coin (0.00001234), so the dashboard and an email never show one
 * close two ways. */
export function price(value: number | null | undefined): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "–";
  if (value === 0) return "0.00";
  const digits = 5 - 1 - Math.floor(Math.log10(Math.abs(value)));
  return new Intl.NumberFormat(undefined, {
    minimumFractionDigits: 2,
    maximumFractionDigits: Math.min(Math.max(2, digits), 12),
  }).format(value);
}

/** Epoch ms as UTC, the unit and zone every email and log line uses. */
export function utc(ms: number | null | undefined): string {
  if (ms === null || ms === undefined) return "–";
  return new Date(ms).toISOString().slice(0, 16).replace("T", " ") + " UTC";
}

const TIMEFRAME_MS: Record<string, number> = { m: 60_000, h: 3_600_000, d: 86_400_000, w: 604_800_000 };

/** A timeframe ("1h", "15m", "1d") in ms; null when it is not one. */
export function timeframeMs(timeframe: string | undefined): number | null {
  const match = /^(\d+)([mhdw])$/.exec(timeframe ?? "");
  return match ? Number(match[1]) * TIMEFRAME_MS[match[2]] : null;
}

/**
 * A candle by its open time and its close, "2026-11-04 07:00–08:00 UTC": the chart places a candle at its open time
 * and the emails name the time it closed ("the 1h candle that closed at 08:00 UTC"), so a bare time would be one
 * candle off from one of them. A close on another day reads "2026-11-04 00:00 – 11-05 00:00 UTC".
 * Without a known timeframe: the open time, labelled.
 */
export function candleTime(openMs: number | null | undefined, timeframe: string | undefined): string {
  if (openMs === null || openMs === undefined) return "–";
  const span = timeframeMs(timeframe);
  if (span === null) return `opened ${utc(openMs)}`;
  const open = new Date(openMs).toISOString();
  const close = new Date(openMs + span).toISOString();
  const sameDay = open.slice(0, 10) === close.slice(0, 10);
  const end = sameDay ? close.slice(11, 16) : ` ${close.slice(5, 10)} ${close.slice(11, 16)}`;
  return `${open.slice(0, 10)} ${open.slice(11, 16)}${sameDay ? "–" : " –"}${end} UTC`;
}

/** The timeframe of a series key (kraken:BTC-USD:1h -> 1h); undefined for another kind of key. */
export function seriesTimeframe(key: string): string | undefined {
  return key.split(":")[2];
}

/** A market scan's candles: one close an hour (SCAN_TIMEFRAME, shared/crypto_advisor/contracts/market_scan.py). */
const SCAN_TIMEFRAME = "1h";

/** A market email's or a market scan's key, as the notification log spells it (market#1h) or an alert id (market:1h). */
const LOG_KEY = /^(market|scan)[#:]([^#:]+)$/;

/**
 * The timeframe of an alert decision's key, so its candle can be shown as the email names it: a series key's own,
 * a market email's (market#1h, or market:1h as an alert id spells it) after the separator, a market scan's
 * (scan#USD) the scan's hourly candles; undefined for another key (candleTime then labels the open time).
 */
export function alertTimeframe(key: string): string | undefined {
  const log = LOG_KEY.exec(key);
  if (!log) return seriesTimeframe(key);
  return log[1] === "market" ? log[2] : SCAN_TIMEFRAME;
}

/**
 * An alert decision's key as every page names it: a series by its pair (seriesLabel), a market email by its
 * timeframe ("market (1h)"), a market scan by its quote ("scan (USD)"), in either spelling of their keys.
 */
export function alertKeyLabel(key: string): string {
  const log = LOG_KEY.exec(key);
  return log ? `${log[1]} (${log[2]})` : seriesLabel(key);
}

/** A series key (kraken:BTC-USD:1h) as people write it: BTC/USD 1h · kraken. */
export function seriesLabel(key: string): string {
  const [source, symbol, timeframe] = key.split(":");
  if (!symbol || !timeframe) return key;
  return `${symbol.replace("-", "/")} ${timeframe} · ${source}`;
}

/** The sign of a change as a CSS class: up, down or flat. */
export function trendClass(value: number | null | undefined): string {
  if (value === null || value === undefined || value === 0) return "flat";
  return value > 0 ? "up" : "down";
}

/**
 * A diverging heat colour for a value in [-scale, scale]: green up, red down,
 * its opacity by size, so it reads on both the light and the dark theme.
 */
export function heat(value: number | null | undefined, scale: number): string {
  if (value === null || value === undefined || !Number.isFinite(value)) return "transparent";
  const t = Math.max(-1, Math.min(1, value / scale));
  const alpha = (0.12 + 0.68 * Math.abs(t)).toFixed(2);
  return t >= 0 ? `rgba(22, 163, 74, ${alpha})` : `rgba(220, 38, 38, ${alpha})`;
}

// The read API's answers, as DashboardFunction's pydantic models describe them
// (shared/crypto_advisor/dashboard/answers.py, listed in /openapi.json).
// Times are epoch milliseconds UTC; changes are fractions (0.012 = +1.2%).

export type DecisionStatus = "sent" | "sending" | "unknown" | "suppressed";
export type Direction = "bullish" | "bearish" | "neutral";

export interface LastAlert {
  candle_ts: number;
  status: DecisionStatus;
  subject: string | null;
  rules: string[];
}

export interface ModelVerdict {
  model: string;
  kind: "breakout" | "path" | "interval";
  text: string;
  /** the prediction in a few words (the overview's card); ``text`` is the full sentence */
  label: string;
  beats_baseline: boolean;
}

export interface SeriesRow {
  key: string;
  source: string;
  symbol: string;
  timeframe: string;
  name: string | null;
  last_ts: number | null;
  close: number | null;
  change_1h: number | null;
  change_24h: number | null;
  change_7d: number | null;
  rsi: number | null;
  trend: string;
  volatility: string;
  volume_ratio: number | null;
  healthy: boolean | null;
  last_alert: LastAlert | null;
  verdicts: ModelVerdict[];
  error: string | null;
}

export interface Correlation {
  days: number;
  keys: string[];
  matrix: (number | null)[][];
}

export interface MarketState {
  reference: string | null;
  trend_4h: string | null;
  trend_1d: string | null;
  lines: string[];
  last_market_email: LastAlert | null;
}

export interface Overview {
  generated_at: number;
  series: SeriesRow[];
  correlation: Correlation;
  market: MarketState;
}

export interface CandlePoint {
  ts: number;
  open: number;
  high: number;
  low: number;
  close: number;
  volume: number;
}

export interface LinePoint {
  ts: number;
  value: number;
}

export interface Indicators {
  ema: Record<string, LinePoint[]>;
  bollinger: Record<string, LinePoint[]>;
  volume_ma: LinePoint[];
  rsi: LinePoint[];
  macd: Record<string, LinePoint[]>;
}

export interface Marker {
  ts: number;
  kind: "firing" | "email";
  rule: string | null;
  direction: Direction | null;
  severity: number | null;
  text: string;
  suppressed: boolean;
}

export interface Prediction {
  kind: "breakout" | "path" | "interval";
  model: string;
  candle_ts: number;
  horizon: number;
  horizon_label: string;
  threshold_pct?: number | null;
  probability?: number | null;
  price?: number | null;
  path?: number[] | null;
  level?: number | null;
  low?: number | null;
  high?: number | null;
  beats_baseline: boolean;
  text: string;
}

export interface RuleRecord {
  rule: string;
  title: string;
  sentence: string;
}

export interface ModelCard {
  model: string;
  kind: string;
  horizon: number;
  verdict: string;
  n: number;
  folds: number;
  baseline: string;
  scores: Record<string, Record<string, number | null>>;
  feature_importances: Record<string, number> | null;
}

export interface LiveRecord {
  model: string;
  kind: string;
  n: number;
  text: string;
}

export interface NewsArticle {
  published_ts: number;
  title: string;
  source: string;
  url: string;
  score: number;
}

export interface SeriesDetail {
  key: string;
  name: string | null;
  timeframe: string;
  candles: CandlePoint[];
  indicators: Indicators;
  markers: Marker[];
  predictions: Prediction[];
  rule_records: RuleRecord[];
  model_cards: ModelCard[];
  live_records: LiveRecord[];
  news: { mood: string; articles: NewsArticle[] };
  notes: string[];
}

export interface AlertDecision {
  id: string;
  series: string;
  candle_ts: number;
  kind: "alert" | "market";
  status: DecisionStatus;
  reason: string | null;
  detail: string | null;
  rules: string[];
  subject: string | null;
  decided_at: number | null;
}

export interface AlertPage {
  alerts: AlertDecision[];
  cursor: string | null;
}

export interface EmailAnswer {
  id: string;
  source: string;
  status: DecisionStatus;
  subject: string;
  html: string;
  text: string;
  note: string;
}

export interface Tokens {
  access_token: string;
  id_token: string;
  refresh_token: string | null;
  expires_in: number;
  token_type: string;
}

export interface Challenge {
  challenge: "NEW_PASSWORD_REQUIRED";
  session: string;
  email: string;
}

// The write side's answers (shared/crypto_advisor/api/settings_routes.py).

export interface MuteEntry {
  series: string;
  rule: string | null;
  until_ms: number;
  by: string;
  via: "dashboard" | "email";
  created_ms: number;
  until: string;
}

export interface WatchedSeries {
  key: string;
  source: string;
  symbol: string;
  timeframe: string;
  name: string | null;
  rules: string[];
}

export interface SettingsAnswer {
  alerts: { recipients: string[]; min_severity: number; cooldown: string; max_per_week: number | null };
  digest: { enabled: boolean; time: string; timezone: string };
  series: WatchedSeries[];
  mutes: MuteEntry[];
  unsubscribed: string[];
  watchlist: { uri: string; editable: boolean };
}

export interface ChangeEntry {
  at_ms: number;
  who: string;
  via: "dashboard" | "email";
  kind: string;
  summary: string;
  detail: Record<string, unknown>;
}

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
  /** the candle's timeframe (its series' or the market email's), to name its close */
  timeframe?: string | null;
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
  /** the newest candle closed more than 2 timeframes before the answer: the feed stopped (healthy is false) */
  stale?: boolean;
  /** why the newest signal's data was unhealthy, in the analysis' words */
  health_reasons?: string[];
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

/** What became of a firing (answers.py's FiringOutcome). */
export type FiringOutcome = "emailed" | "left_out" | "held_back" | "suppressed" | "undecided";

export interface Marker {
  ts: number;
  kind: "firing" | "email";
  rule: string | null;
  direction: Direction | null;
  severity: number | null;
  text: string;
  suppressed: boolean;
  /** the notification log's status for the marker's candle; null: no decision recorded */
  status?: DecisionStatus | null;
  /** what became of a firing; null on an email */
  outcome?: FiringOutcome | null;
  /** held_back: the log's reason (cooldown, in_market_email, below_threshold, ...) */
  reason?: string | null;
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
  /** how the series' past alerts fared: the alert email's own sentence; null until the training run judged them */
  past_alerts?: string | null;
  rule_records: RuleRecord[];
  model_cards: ModelCard[];
  live_records: LiveRecord[];
  news: { mood: string; articles: NewsArticle[] };
  notes: string[];
  /** the newest data's health: stale (the feed stopped) and the newest signal's reasons */
  health?: DataHealth;
}

/** A series' data health, on the overview's row (stale, health_reasons) and the series page (health) alike. */
export interface DataHealth {
  healthy: boolean | null;
  stale: boolean;
  reasons: string[];
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
  /** what the Series and Rule filters offer, whatever page is loaded: the watched series, the market emails' and
   * scans' keys (market#1h, scan#USD), the built-in rules and the watchlist's conditions */
  filters: { series: string[]; rules: string[] };
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
  /** the series' own alerts.recipients where they differ from the top level's; null: it follows the top level */
  recipients: string[] | null;
  /** whom the series' alerts go to */
  effective_recipients: string[];
  /** the series' cooldown where it differs from the top level's; null: it follows it */
  cooldown: string | null;
  /** why it differs: its own alerts.cooldown, or the floor of two of its candles */
  cooldown_from: "alerts.cooldown" | "two candles" | null;
}

/** Where the alerts' recipients come from: the watchlist's list, else the stack's parameter, else nobody. */
export type RecipientsFrom = "alerts.recipients" | "RecipientEmails" | "none";

export interface SettingsAnswer {
  alerts: {
    recipients: string[];
    /** whom the alerts really go to: the watchlist's recipients, else the stack's RecipientEmails */
    effective_recipients: string[];
    recipients_from: RecipientsFrom;
    min_severity: number;
    cooldown: string;
    max_per_week: number | null;
  };
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

export interface ChangeHistory {
  changes: ChangeEntry[];
}

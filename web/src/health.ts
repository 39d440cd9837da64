// Whether a series' figures can be trusted, as the overview's row and the series page both say it.

import { h } from "./dom";
import { candleTime } from "./format";
import type { DataHealth } from "./types";

/** Why a series has no candle: nothing the dashboard may read records an ingest's failure (only its logs do). */
export const NO_CANDLE_WHY = "check the ingest logs";

/**
 * What a reader must know before trusting a series' figures: that its feed stopped (stale: no candle since its
 * newest), and why its newest signal found the data unhealthy. Shared by the overview's row and the series page.
 */
export function dataWarnings(
  lastTs: number | null,
  timeframe: string,
  health: Partial<Pick<DataHealth, "stale" | "reasons">>,
): HTMLElement[] {
  const out: HTMLElement[] = [];
  if (health.stale && lastTs !== null) {
    out.push(h("div", { class: "error small stale" }, `stale: no candle since ${candleTime(lastTs, timeframe)}`));
  }
  const reasons = health.reasons ?? [];
  if (reasons.length) {
    out.push(h("div", { class: "muted small health-reasons", title: reasons.join("\n") }, `unhealthy data: ${reasons.join("; ")}`));
  }
  return out;
}

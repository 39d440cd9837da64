// Settings: the alert policy and digest, mutes, the watched series, the
// unsubscribed addresses and the history of every change. Each form sends one
// change; the server checks it exactly as the watchlist check does and either
// applies it whole or answers 422 naming the field, which is shown by the form.
// After a change the page reloads what the server now holds, so what you see
// is what was saved, never what was typed.

import { call, get, pathPart } from "../api";
import { badge, h, replace, section, table } from "../dom";
import { seriesLabel, utc } from "../format";
import type { ChangeEntry, ChangeHistory, RecipientsFrom, SettingsAnswer, WatchedSeries } from "../types";

type Rerender = () => Promise<void>;

/** A form whose submit runs `act`, shows the server's refusal under it, or re-reads the page. */
function form(id: string, fields: HTMLElement[], label: string, act: () => Promise<unknown>, rerender: Rerender): HTMLFormElement {
  const status = h("p", { class: "form-status small", role: "status" });
  const submit = h("button", { type: "submit" }, label);
  const el = h("form", { class: "inline", id }, fields, submit, status);
  el.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    status.className = "form-status small";
    status.textContent = "Saving…";
    act()
      .then(rerender)
      .catch((e: Error) => {
        status.className = "form-status small error";
        status.textContent = e.message;
      })
      .finally(() => (submit.disabled = false));
  });
  return el;
}

function actionButton(text: string, act: () => Promise<unknown>, rerender: Rerender, confirmText?: string): HTMLButtonElement {
  const button = h("button", { type: "button", class: "secondary" }, text);
  button.addEventListener("click", () => {
    if (confirmText && !window.confirm(confirmText)) return;
    button.disabled = true;
    act()
      .then(rerender)
      .catch((e: Error) => {
        button.disabled = false;
        button.title = e.message;
        button.after(h("span", { class: "error small" }, ` ${e.message}`));
      });
  });
  return button;
}

const labelled = (text: string, control: HTMLElement): HTMLElement => h("label", null, text, control);

const RECIPIENTS_FROM: Record<RecipientsFrom, string> = {
  "alerts.recipients": "the watchlist's alerts.recipients",
  RecipientEmails: "the stack's RecipientEmails; set alerts.recipients to change",
  none: "no alert email goes out: set alerts.recipients, or the stack's RecipientEmails",
};

/** "Recipients: a@example.com (the stack's RecipientEmails; ...)": who really gets the alerts, not only the watchlist's list. */
function recipients(s: SettingsAnswer): HTMLElement {
  const who = s.alerts.effective_recipients.join(", ") || "none";
  return h("p", { class: "muted small", id: "recipients" }, `Recipients: ${who} (${RECIPIENTS_FROM[s.alerts.recipients_from]})`);
}

/** A list of the series ``own`` selects, each with what it has of its own and, muted, why; nothing when none. */
function seriesOwn(
  s: SettingsAnswer,
  id: string,
  own: (w: WatchedSeries) => boolean,
  line: (w: WatchedSeries) => [string, string],
): HTMLElement | null {
  const listed = s.series.filter(own);
  if (!listed.length) return null;
  return h(
    "ul",
    { class: "plain small", id },
    listed.map((w) => {
      const [what, why] = line(w);
      return h("li", { "data-key": w.key }, `${seriesLabel(w.key)}: ${what} `, h("span", { class: "muted" }, why));
    }),
  );
}

/**
 * Each series whose own alerts.recipients override the list above, and whom its alerts go to instead (an empty list
 * of its own sends them to the stack's RecipientEmails, as the notifier does); nothing when no series overrides it.
 */
function seriesRecipients(s: SettingsAnswer): HTMLElement | null {
  return seriesOwn(s, "series-recipients", (w) => w.recipients !== null, (w) => [
    w.effective_recipients.join(", ") || "none",
    w.recipients?.length ? "(its own alerts.recipients)" : "(its own alerts.recipients are empty: the stack's RecipientEmails)",
  ]);
}

/**
 * Each series whose cooldown differs from the one above, and why: its own alerts.cooldown, or two of its candles (a
 * daily series under the default 6h waits 2d); nothing when every series follows it.
 */
function seriesCooldowns(s: SettingsAnswer): HTMLElement | null {
  return seriesOwn(s, "series-cooldowns", (w) => w.cooldown !== null, (w) => [
    `cooldown ${w.cooldown}`,
    w.cooldown_from === "two candles" ? "(at least two of its candles)" : "(its own alerts.cooldown)",
  ]);
}

function policy(s: SettingsAnswer, rerender: Rerender): HTMLElement {
  const severity = h("select", { name: "min_severity" }, [1, 2, 3].map((n) => h("option", { value: n, selected: n === s.alerts.min_severity }, String(n))));
  const cooldown = h("input", { name: "cooldown", value: s.alerts.cooldown, size: 6, required: true });
  const budget = h("input", { name: "max_per_week", type: "number", min: "0.1", max: "168", step: "0.1", value: s.alerts.max_per_week ?? "" });
  const digestOn = h("input", { name: "digest_enabled", type: "checkbox", checked: s.digest.enabled });
  const digestTime = h("input", { name: "digest_time", type: "time", value: s.digest.time, required: true });
  const zone = h("input", { name: "digest_timezone", value: s.digest.timezone, size: 14, required: true });
  return h(
    "div",
    null,
    recipients(s),
    seriesRecipients(s),
    form(
      "policy-form",
      [
        labelled("Minimum severity", severity),
        labelled("Cooldown (e.g. 6h)", cooldown),
        labelled("Emails a week per series", budget),
        labelled("Daily digest", digestOn),
        labelled("Digest time", digestTime),
        labelled("Time zone", zone),
      ],
      "Save policy",
      () => {
        const alerts: Record<string, unknown> = {};
        if (Number(severity.value) !== s.alerts.min_severity) alerts.min_severity = Number(severity.value);
        if (cooldown.value.trim() !== s.alerts.cooldown) alerts.cooldown = cooldown.value.trim();
        if (budget.value && Number(budget.value) !== s.alerts.max_per_week) alerts.max_per_week = Number(budget.value);
        const digest: Record<string, unknown> = {};
        if (digestOn.checked !== s.digest.enabled) digest.enabled = digestOn.checked;
        if (digestTime.value !== s.digest.time) digest.time = digestTime.value;
        if (zone.value.trim() !== s.digest.timezone) digest.timezone = zone.value.trim();
        const body: Record<string, unknown> = {};
        if (Object.keys(alerts).length) body.alerts = alerts;
        if (Object.keys(digest).length) body.digest = digest;
        if (!Object.keys(body).length) return Promise.reject(new Error("Nothing changed."));
        return call("PUT", "/settings/policy", body);
      },
      rerender,
    ),
    seriesCooldowns(s),
  );
}

const DURATIONS: [string, number][] = [
  ["1 hour", 3_600_000],
  ["24 hours", 86_400_000],
  ["7 days", 7 * 86_400_000],
  ["30 days", 30 * 86_400_000],
];

function mutes(s: SettingsAnswer, rerender: Rerender): HTMLElement {
  const seriesSelect = h("select", { name: "series", id: "mute-series" }, s.series.map((w) => h("option", { value: w.key }, seriesLabel(w.key))));
  const ruleSelect = h("select", { name: "rule", id: "mute-rule" });
  const fillRules = (): void => {
    const watched = s.series.find((w) => w.key === seriesSelect.value);
    replace(ruleSelect, h("option", { value: "" }, "every rule"), (watched?.rules ?? []).map((r) => h("option", { value: r }, r)));
  };
  seriesSelect.addEventListener("change", fillRules);
  fillRules();
  const duration = h("select", { name: "duration", id: "mute-duration" }, DURATIONS.map(([label, ms], i) => h("option", { value: ms, selected: i === 1 }, label)));
  const rows = s.mutes.map((m) => [
    seriesLabel(m.series),
    m.rule ?? "every rule",
    m.until,
    `${m.by} (${m.via})`,
    actionButton("Unmute", () => call("DELETE", `/settings/mutes?${new URLSearchParams({ series: m.series, ...(m.rule ? { rule: m.rule } : {}) })}`), rerender),
  ]);
  return h(
    "div",
    null,
    rows.length ? table(["Series", "Rule", "Until", "By", ""], rows, "mutes-table") : h("p", { class: "muted", id: "no-mutes" }, "Nothing is muted."),
    form(
      "mute-form",
      [labelled("Series", seriesSelect), labelled("Rule", ruleSelect), labelled("For", duration)],
      "Mute",
      () =>
        call("POST", "/settings/mutes", {
          series: seriesSelect.value,
          ...(ruleSelect.value ? { rule: ruleSelect.value } : {}),
          until: new Date(Date.now() + Number(duration.value)).toISOString(),
        }),
      rerender,
    ),
  );
}

function watched(s: SettingsAnswer, rerender: Rerender): HTMLElement {
  const editable = s.watchlist.editable;
  const rows = s.series.map((w: WatchedSeries) => [
    h("a", { href: `#/series/${encodeURIComponent(w.key)}` }, seriesLabel(w.key)),
    w.name ?? "",
    editable ? actionButton("Remove", () => call("DELETE", `/settings/series/${pathPart(w.key)}`), rerender, `Stop watching ${seriesLabel(w.key)}?`) : "",
  ]);
  const source = h("select", { name: "source", id: "add-source" }, ["kraken", "coingecko"].map((v) => h("option", { value: v }, v)));
  const symbol = h("input", { name: "symbol", id: "add-symbol", placeholder: "ADA/USD", required: true, size: 10 });
  const timeframe = h("select", { name: "timeframe", id: "add-timeframe" }, ["1h", "4h", "1d", "15m"].map((v) => h("option", { value: v }, v)));
  const coingeckoId = h("input", { name: "coingecko_id", id: "add-coingecko-id", placeholder: "cardano", size: 12 });
  const coingeckoLabel = labelled("CoinGecko id", coingeckoId);
  const showId = (): void => void (coingeckoLabel.hidden = source.value !== "coingecko");
  source.addEventListener("change", showId);
  showId();
  return h(
    "div",
    null,
    editable ? null : h("p", { class: "notes" }, `The watchlist (${s.watchlist.uri}) is not editable from here.`),
    table(["Series", "Name", ""], rows, "series-settings"),
    editable
      ? form(
          "add-series-form",
          [labelled("Source", source), labelled("Symbol", symbol), labelled("Timeframe", timeframe), coingeckoLabel],
          "Add series",
          () =>
            call("POST", "/settings/series", {
              source: source.value,
              symbol: symbol.value.trim(),
              timeframe: timeframe.value,
              ...(source.value === "coingecko" && coingeckoId.value.trim() ? { coingecko_id: coingeckoId.value.trim() } : {}),
            }),
          rerender,
        )
      : null,
  );
}

function unsubscribed(s: SettingsAnswer, rerender: Rerender): HTMLElement {
  if (!s.unsubscribed.length) return h("p", { class: "muted" }, "Every recipient gets alerts.");
  return h(
    "ul",
    { class: "plain" },
    s.unsubscribed.map((address) =>
      h("li", null, `${address} `, actionButton("Send alerts again", () => call("DELETE", `/settings/unsubscribed/${pathPart(address)}`), rerender)),
    ),
  );
}

function history(changes: ChangeEntry[]): HTMLElement {
  if (!changes.length) return h("p", { class: "muted" }, "No change yet.");
  return table(
    ["When", "Who", "What"],
    changes.map((c) => [utc(c.at_ms), h("span", null, c.who, " ", badge(c.via, "suppressed")), h("span", null, h("strong", null, c.kind.replace("_", " ")), ` ${c.summary}`)]),
    "history-table",
  );
}

export async function renderSettings(view: HTMLElement): Promise<void> {
  const rerender = (): Promise<void> => renderSettings(view);
  const [settings, changes] = await Promise.all([get<SettingsAnswer>("/settings"), get<ChangeHistory>("/settings/history?limit=100")]);
  replace(
    view,
    h("h1", null, "Settings"),
    section("Alert policy and digest", policy(settings, rerender)),
    section("Mutes", mutes(settings, rerender)),
    section("Watched series", watched(settings, rerender)),
    section("Unsubscribed", unsubscribed(settings, rerender)),
    section("History of changes", history(changes.changes)),
  );
}

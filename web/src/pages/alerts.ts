// Alerts: every alert decision (sent, or suppressed and why), newest first,
// filtered by series, rule and reason on the server (the filters live in the
// URL, so a filtered list can be bookmarked), each opening its email.

import { get } from "../api";
import { badge, h, replace, section, table } from "../dom";
import { seriesLabel, utc } from "../format";
import type { AlertDecision, AlertPage } from "../types";

const FILTERS = ["series", "rule", "reason"] as const;

function row(a: AlertDecision): HTMLElement[] {
  return [
    h("span", null, utc(a.candle_ts)),
    h("span", null, a.kind === "market" ? `market (${a.series.replace("market#", "")})` : seriesLabel(a.series)),
    badge(a.status, a.status),
    h("span", { class: "reason" }, a.reason ?? "", a.detail ? h("div", { class: "muted small" }, a.detail) : null),
    h("span", null, a.rules.join(", ")),
    h("a", { href: `#/alerts/${encodeURIComponent(a.id)}`, class: "open-email" }, a.subject ?? "open the email"),
  ];
}

function options(values: Iterable<string>, selected: string, label: (v: string) => string = (v) => v): HTMLOptionElement[] {
  const all = [...new Set([...values, ...(selected ? [selected] : [])])].sort();
  return [h("option", { value: "" }, "all"), ...all.map((v) => h("option", { value: v, selected: v === selected }, label(v)))];
}

export async function renderAlerts(view: HTMLElement, query: URLSearchParams): Promise<void> {
  const params = new URLSearchParams();
  for (const f of FILTERS) if (query.get(f)) params.set(f, query.get(f) ?? "");
  const page = await get<AlertPage>(`/alerts${params.size ? `?${params}` : ""}`);
  const alerts = [...page.alerts];

  // the choices are what the listed decisions hold (and the filter in force), so the page needs one request
  const series = h("select", { name: "series", id: "filter-series" }, options(alerts.map((a) => a.series), query.get("series") ?? "", seriesLabel));
  const rule = h("select", { name: "rule", id: "filter-rule" }, options(alerts.flatMap((a) => a.rules), query.get("rule") ?? ""));
  const reason = h("select", { name: "reason", id: "filter-reason" }, options(alerts.flatMap((a) => (a.reason ? [a.reason] : [])), query.get("reason") ?? ""));
  const form = h(
    "form",
    { class: "filters", id: "alert-filters" },
    h("label", null, "Series", series),
    h("label", null, "Rule", rule),
    h("label", null, "Reason", reason),
  );
  form.addEventListener("change", () => {
    const next = new URLSearchParams();
    for (const [name, el] of [["series", series], ["rule", rule], ["reason", reason]] as const) if (el.value) next.set(name, el.value);
    location.hash = `#/alerts${next.size ? `?${next}` : ""}`;
  });

  // the filters this list answers, for a reader of the DOM (the browser tests wait on it)
  const listBox = h("div", { id: "alert-list", "data-query": params.toString() });
  const more = h("button", { type: "button", class: "secondary", hidden: !page.cursor }, "Older decisions");
  let cursor = page.cursor;
  const draw = (): void =>
    replace(
      listBox,
      alerts.length
        ? table(["Candle", "Series", "Status", "Reason", "Rules", "Email"], alerts.map(row), "alerts-table")
        : h("p", { class: "muted" }, "No alert decision matches."),
    );
  more.addEventListener("click", () => {
    if (!cursor) return;
    more.disabled = true;
    const next = new URLSearchParams(params);
    next.set("cursor", cursor);
    get<AlertPage>(`/alerts?${next}`)
      .then((older) => {
        alerts.push(...older.alerts);
        cursor = older.cursor;
        more.hidden = !cursor;
        draw();
      })
      .finally(() => (more.disabled = false));
  });
  draw();
  replace(view, h("h1", null, "Alerts"), section("Every decision, newest first", form, listBox, more));
}

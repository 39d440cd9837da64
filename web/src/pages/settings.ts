// Settings: the write routes (alert policy, mutes, the watchlist, the change history).

import { h, replace, section } from "../dom";

export async function renderSettings(view: HTMLElement): Promise<void> {
  replace(view, h("h1", null, "Settings"), section("Alert policy", h("p", { class: "muted" }, "Loading…")));
}

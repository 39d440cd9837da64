// The router: one hash route per page (#/overview, #/series/<key>, #/alerts,
// #/alerts/<id>, #/settings, #/sign-in), so DashboardFunction serves a single
// index.html and a link from an email (…/#/series/kraken:BTC-USD:1h) opens
// the page directly. A path link (/series/<key>) is turned into its hash route.

import { SignedOut, signOut } from "./api";
import { h, replace } from "./dom";
import * as session from "./session";
import { renderAlerts } from "./pages/alerts";
import { renderEmail } from "./pages/email";
import { renderOverview } from "./pages/overview";
import { renderSeries } from "./pages/series";
import { renderSettings } from "./pages/settings";
import { renderSignIn } from "./pages/signin";

export interface Route {
  page: string;
  arg: string;
  query: URLSearchParams;
}

export function parseRoute(hash: string): Route {
  const [path = "", qs = ""] = hash.replace(/^#\/?/, "").split("?");
  const [page = "", ...rest] = path.split("/");
  return { page: page || "overview", arg: decodeURIComponent(rest.join("/")), query: new URLSearchParams(qs) };
}

let generation = 0;

async function show(): Promise<void> {
  const main = document.getElementById("main") as HTMLElement;
  const nav = document.getElementById("nav") as HTMLElement;
  const route = parseRoute(location.hash);
  const mine = ++generation;
  const signedIn = session.load() !== null;
  nav.hidden = !signedIn;
  for (const a of nav.querySelectorAll<HTMLAnchorElement>("a[data-page]")) {
    a.classList.toggle("current", a.dataset.page === route.page || (route.page === "series" && a.dataset.page === "overview"));
  }
  if (!signedIn && route.page !== "sign-in") {
    sessionStorage.setItem("crypto-advisor.after", location.hash || "#/overview");
    location.replace("#/sign-in");
    return;
  }
  const view = h("div", { class: "view", "data-page": route.page });
  replace(main, view);
  document.title = `crypto-advisor · ${route.page}`;
  try {
    switch (route.page) {
      case "sign-in":
        return renderSignIn(view, () => {
          const after = sessionStorage.getItem("crypto-advisor.after") ?? "#/overview";
          sessionStorage.removeItem("crypto-advisor.after");
          location.replace(after === "#/sign-in" ? "#/overview" : after);
        });
      case "overview":
        return await renderOverview(view);
      case "series":
        return await renderSeries(view, route.arg);
      case "alerts":
        return route.arg ? await renderEmail(view, route.arg) : await renderAlerts(view, route.query);
      case "settings":
        return await renderSettings(view);
      default:
        replace(view, h("p", { class: "error" }, `No page called "${route.page}".`), h("a", { href: "#/overview" }, "Overview"));
    }
  } catch (error) {
    if (mine !== generation) return;
    if (error instanceof SignedOut) {
      sessionStorage.setItem("crypto-advisor.after", location.hash);
      location.replace("#/sign-in");
      return;
    }
    replace(view, h("p", { class: "error", role: "alert" }, `Could not load this page: ${(error as Error).message}`));
  }
}

function start(): void {
  const path = location.pathname.replace(/\/+$/, "");
  const deep = path.match(/\/(series|alerts|settings|overview)(?:\/(.*))?$/);
  if (deep && !location.hash) {
    history.replaceState(null, "", `/#/${deep[1]}${deep[2] ? `/${deep[2]}` : ""}${location.search}`);
  }
  document.getElementById("sign-out")?.addEventListener("click", () => {
    void signOut().finally(() => {
      location.hash = "#/sign-in";
    });
  });
  window.addEventListener("hashchange", () => void show());
  void show();
}

if (document.readyState === "loading") document.addEventListener("DOMContentLoaded", start);
else start();

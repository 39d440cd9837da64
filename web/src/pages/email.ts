// One alert's email as it was sent, shown inside a shadow root: the email's own
// styles cannot leak into the page or the page's into it. The page's CSP
// (style-src 'self', no inline) would drop the email's style attributes and
// <style> blocks, so they are carried over through the CSSOM (element.style,
// constructed style sheets), which the CSP allows; scripts, frames, forms and
// remote images are removed, so opening an email contacts no other origin.

import { get, pathPart } from "../api";
import { badge, h, replace, section } from "../dom";
import { alertKeyLabel, alertTimeframe, candleTime } from "../format";
import type { EmailAnswer } from "../types";

const DROP = "script, iframe, frame, object, embed, form, link, meta, base, template";

function isLocal(url: string): boolean {
  return url.startsWith("data:") || url.startsWith("#") || url.startsWith("cid:");
}

/**
 * The email's HTML with its styles renamed before parsing: a document parsed
 * here inherits the page's CSP, which would report (and refuse) every style
 * attribute and <style> block; renamed, they are plain data until the CSSOM
 * applies them.
 */
function defuse(html: string): string {
  return html
    .replace(/<([a-zA-Z][^<>]*?)\sstyle(\s*=)/g, "<$1 data-email-style$2")
    .replace(/<style\b[^>]*>/gi, "<template data-email-css>")
    .replace(/<\/style\s*>/gi, "</template>");
}

const noRemoteUrls = (css: string): string => css.replace(/@import[^;]*;/g, "").replace(/url\((?!["']?data:)[^)]*\)/g, "none");

export function mountEmail(host: HTMLElement, html: string): ShadowRoot {
  const doc = new DOMParser().parseFromString(defuse(html), "text/html");
  const sheets: CSSStyleSheet[] = [];
  for (const css of doc.querySelectorAll("template[data-email-css]")) {
    const sheet = new CSSStyleSheet();
    sheet.replaceSync(noRemoteUrls((css as HTMLTemplateElement).content.textContent ?? css.textContent ?? ""));
    sheets.push(sheet);
    css.remove();
  }
  doc.querySelectorAll(DROP).forEach((el) => el.remove());
  for (const el of doc.body.querySelectorAll("*")) {
    for (const attr of [...el.attributes]) {
      if (attr.name.startsWith("on") || attr.name === "background" || attr.name === "srcset") el.removeAttribute(attr.name);
    }
    if (el instanceof HTMLImageElement && !isLocal(el.getAttribute("src") ?? "")) el.removeAttribute("src");
    if (el instanceof HTMLAnchorElement) {
      el.target = "_blank";
      el.rel = "noopener noreferrer";
    }
  }
  const root = host.shadowRoot ?? host.attachShadow({ mode: "open" });
  root.adoptedStyleSheets = sheets;
  const body = h("div", { class: "email-body" });
  body.append(...[...doc.body.childNodes].map((n) => document.importNode(n, true)));
  // only now, in the page's document, through the CSSOM: a style attribute would be refused by the CSP, element.style is not
  for (const el of body.querySelectorAll<HTMLElement>("[data-email-style]")) {
    el.style.cssText = noRemoteUrls(el.dataset.emailStyle ?? "");
    el.removeAttribute("data-email-style");
  }
  root.replaceChildren(body);
  return root;
}

/**
 * The alerts list's filter for an id's key: the key itself for a series, the notification log's key for a market or
 * scan email, whose id spells its `#` as `:` (market:1h -> market#1h; a series key has two `:`, see alert_history.alert_id).
 */
function logKey(idKey: string): string {
  return idKey.split(":").length === 2 ? idKey.replace(":", "#") : idKey;
}

export async function renderEmail(view: HTMLElement, id: string): Promise<void> {
  const email = await get<EmailAnswer>(`/alerts/${pathPart(id)}/email`);
  const [key = id, ts = ""] = id.split("@");
  const host = h("div", { class: "email-frame", id: "email-html" });
  const text = h("pre", { class: "email-text", id: "email-text", hidden: true }, email.text);
  const toggle = h("button", { type: "button", class: "secondary" }, "Show the text part");
  toggle.addEventListener("click", () => {
    text.hidden = !text.hidden;
    host.hidden = !text.hidden;
    toggle.textContent = text.hidden ? "Show the text part" : "Show the HTML part";
  });
  replace(
    view,
    h("p", null, h("a", { href: `#/alerts?${new URLSearchParams({ series: logKey(key) })}`, id: "email-back" }, "← alerts of this series")),
    h("h1", { id: "email-subject" }, email.subject),
    h(
      "p",
      { class: "muted small" },
      badge(email.status, email.status),
      ` ${alertKeyLabel(key)} · candle ${ts ? candleTime(Number(ts), alertTimeframe(key)) : "?"} · ${email.source}: ${email.note}`,
    ),
    section("The email", toggle, host, text),
  );
  mountEmail(host, email.html);
}

// Elements are built node by node, never from HTML strings, so text from the
// API (a news title, an email subject) can never become markup; and inline
// styles are set through the CSSOM, which the page's CSP (style-src 'self') allows.

export type Child = Node | string | number | null | undefined | false | Child[];
type AttrValue = string | number | boolean | null | undefined | ((event: Event) => void);

export function h<K extends keyof HTMLElementTagNameMap>(
  tag: K,
  attrs?: Record<string, AttrValue> | null,
  ...children: Child[]
): HTMLElementTagNameMap[K] {
  const el = document.createElement(tag);
  for (const [name, value] of Object.entries(attrs ?? {})) {
    if (value === null || value === undefined || value === false) continue;
    if (typeof value === "function") el.addEventListener(name.replace(/^on/, ""), value);
    else if (value === true) el.setAttribute(name, "");
    else el.setAttribute(name, String(value));
  }
  append(el, children);
  return el;
}

export function append(parent: Node, children: Child[]): void {
  for (const child of children) {
    if (child === null || child === undefined || child === false) continue;
    if (Array.isArray(child)) append(parent, child);
    else parent.appendChild(child instanceof Node ? child : document.createTextNode(String(child)));
  }
}

export function replace(parent: Element, ...children: Child[]): void {
  parent.replaceChildren();
  append(parent, children);
}

/** A titled panel: every page is a stack of these. */
export function section(title: string, ...children: Child[]): HTMLElement {
  return h("section", { class: "panel" }, h("h2", null, title), ...children);
}

/** A table that becomes stacked cards on a phone (each cell labelled by its column, see styles.css). */
export function table(columns: string[], rows: Child[][], className = ""): HTMLElement {
  return h(
    "div",
    { class: "table-wrap" },
    h(
      "table",
      { class: `cards ${className}`.trim() },
      h("thead", null, h("tr", null, columns.map((c) => h("th", { scope: "col" }, c)))),
      h(
        "tbody",
        null,
        rows.map((cells) => h("tr", null, cells.map((cell, i) => h("td", { "data-label": columns[i] ?? "" }, cell)))),
      ),
    ),
  );
}

export function badge(text: string, kind: string): HTMLElement {
  return h("span", { class: `badge ${kind}` }, text);
}

/** Wide enough for the desktop layout (styles.css switches to stacked cards under 761 px). */
export const wide = (): boolean => window.matchMedia("(min-width: 761px)").matches;

/**
 * Detail a reader opens when they want it: a <details> that starts open on a desktop and closed on a phone,
 * where every row stacks into a card and the page would otherwise run for screens.
 */
export function fold(summary: string, ...children: Child[]): HTMLElement {
  return h("details", { class: "fold", open: wide() }, h("summary", null, summary), ...children);
}

/** The first ``shown`` items, and the rest behind a closed "N more" fold (on every width). */
export function firstOf<T>(items: T[], shown: number, render: (items: T[]) => Child): Child[] {
  const rest = items.slice(shown);
  return [render(items.slice(0, shown)), rest.length ? h("details", { class: "fold" }, h("summary", null, `${rest.length} more`), render(rest)) : null];
}

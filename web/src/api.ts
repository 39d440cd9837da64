// Every call to DashboardFunction's JSON API: same origin only (the CSP's
// connect-src 'self' refuses anything else), the access token as a bearer
// header, a refresh a minute before it expires, and errors turned into one
// ApiError that names what the server said was wrong.

import * as session from "./session";
import type { Challenge, Tokens } from "./types";

export const API = "/api/v1";

export class ApiError extends Error {
  constructor(
    readonly status: number,
    message: string,
  ) {
    super(message);
  }
}

/**
 * A path parameter (a series key, an alert id, an address) as the API's routes
 * take it: ':' and '@' stay as they are (kraken:BTC-USD:1h, market:1h@<ts>),
 * the rest is percent-encoded. API Gateway hands the path to the function
 * DECODED, so a value must not hold a character its routes refuse, such as
 * '#' (why an alert id spells market#1h as market:1h).
 */
export function pathPart(value: string): string {
  return encodeURIComponent(value).replace(/%3A/gi, ":").replace(/%40/g, "@");
}

/** Raised when there is no usable session: the router shows the sign-in page. */
export class SignedOut extends Error {}

/** The server's words for a failed request: a validation error names the field (pydantic's loc). */
function describe(status: number, body: unknown): string {
  if (body && typeof body === "object") {
    const b = body as Record<string, unknown>;
    const detail = b.detail ?? b.message ?? b.error;
    if (Array.isArray(detail)) {
      return detail
        .map((d) => {
          const item = d as { loc?: unknown[]; msg?: string };
          const where = (item.loc ?? []).filter((p) => p !== "body" && p !== "query" && p !== "path").join(".");
          return where ? `${where}: ${item.msg ?? "invalid"}` : (item.msg ?? "invalid");
        })
        .join("; ");
    }
    if (typeof detail === "string") return detail;
  }
  return `HTTP ${status}`;
}

async function send(method: string, path: string, body: unknown, token: string | null): Promise<Response> {
  const headers: Record<string, string> = { Accept: "application/json" };
  if (body !== undefined) headers["Content-Type"] = "application/json";
  if (token) headers.Authorization = `Bearer ${token}`;
  return fetch(path, {
    method,
    headers,
    body: body === undefined ? undefined : JSON.stringify(body),
    credentials: "omit",
    cache: "no-store",
  });
}

async function parse<T>(response: Response): Promise<T> {
  const text = await response.text();
  let body: unknown = null;
  if (text) {
    try {
      body = JSON.parse(text);
    } catch {
      body = { message: text.slice(0, 200) };
    }
  }
  if (!response.ok) throw new ApiError(response.status, describe(response.status, body));
  return body as T;
}

let refreshing: Promise<session.Session | null> | null = null;

async function refresh(current: session.Session): Promise<session.Session | null> {
  if (!current.refreshToken) return null;
  try {
    const tokens = await parse<Tokens>(
      await send("POST", `${API}/auth/refresh`, { refresh_token: current.refreshToken }, null),
    );
    return session.save(current.email, tokens, current);
  } catch {
    return null;
  }
}

async function usableSession(): Promise<session.Session> {
  let current = session.load();
  if (!current) throw new SignedOut();
  if (current.expiresAt - Date.now() < 60_000) {
    refreshing ??= refresh(current).finally(() => (refreshing = null));
    current = await refreshing;
    if (!current) {
      session.clear();
      throw new SignedOut();
    }
  }
  return current;
}

/** A signed-in call; a 401 ends the session (the router then shows the sign-in page). */
export async function call<T>(method: string, path: string, body?: unknown): Promise<T> {
  const current = await usableSession();
  const response = await send(method, `${API}${path}`, body, current.accessToken);
  if (response.status === 401) {
    session.clear();
    throw new SignedOut();
  }
  return parse<T>(response);
}

export const get = <T>(path: string): Promise<T> => call<T>("GET", path);

export async function signIn(email: string, password: string): Promise<Tokens | Challenge> {
  return parse<Tokens | Challenge>(await send("POST", `${API}/auth/sign-in`, { email, password }, null));
}

/** Ends the user's sessions at Cognito (every refresh token revoked), then forgets them here; the page forgets them
 * whatever the answer (offline, an expired token): sign-out never waits on the network to take effect locally. */
export async function signOut(): Promise<void> {
  const current = session.load();
  session.clear();
  if (current) {
    try {
      await send("POST", `${API}/auth/sign-out`, undefined, current.accessToken);
    } catch {
      // offline: the tokens are gone from this tab; the refresh token expires on its own (12 h)
    }
  }
}

export async function newPassword(email: string, sessionId: string, password: string): Promise<Tokens> {
  return parse<Tokens>(
    await send("POST", `${API}/auth/new-password`, { email, session: sessionId, new_password: password }, null),
  );
}

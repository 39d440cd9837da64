// The signed-in user's tokens, in sessionStorage: they survive a reload of the
// tab but not its closing, are never sent by the browser on their own (no
// cookies, so no CSRF), and go out only as the bearer header api.ts adds.

import type { Tokens } from "./types";

const KEY = "crypto-advisor.session";

export interface Session {
  email: string;
  accessToken: string;
  refreshToken: string | null;
  /** epoch ms when the access token stops being accepted */
  expiresAt: number;
}

export function load(): Session | null {
  const raw = sessionStorage.getItem(KEY);
  if (!raw) return null;
  try {
    const session = JSON.parse(raw) as Session;
    return typeof session.accessToken === "string" ? session : null;
  } catch {
    sessionStorage.removeItem(KEY);
    return null;
  }
}

export function save(email: string, tokens: Tokens, previous: Session | null = null): Session {
  const session: Session = {
    email,
    accessToken: tokens.access_token,
    refreshToken: tokens.refresh_token ?? previous?.refreshToken ?? null,
    expiresAt: Date.now() + tokens.expires_in * 1000,
  };
  sessionStorage.setItem(KEY, JSON.stringify(session));
  return session;
}

export function clear(): void {
  sessionStorage.removeItem(KEY);
}

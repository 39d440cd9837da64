// Sign-in through the dashboard's own API (it calls Cognito server-side, so the
// page contacts no other origin), with Cognito's NEW_PASSWORD_REQUIRED
// challenge: the first sign-in with the emailed temporary password sets a new one.

import { newPassword, signIn } from "../api";
import { h, replace } from "../dom";
import * as session from "../session";
import type { Challenge, Tokens } from "../types";

function isChallenge(answer: Tokens | Challenge): answer is Challenge {
  return (answer as Challenge).challenge === "NEW_PASSWORD_REQUIRED";
}

/**
 * A sign-in step: its fields, a submit button disabled while the request runs,
 * and the server's refusal shown under it (the form stays as typed, to retry).
 */
function step(
  view: HTMLElement,
  spec: { id: string; title: string; hint: string; submit: string; fields: [string, HTMLInputElement][] },
  act: () => Promise<void>,
): void {
  const error = h("p", { class: "error", role: "alert", hidden: true });
  const submit = h("button", { type: "submit" }, spec.submit);
  const form = h(
    "form",
    { class: "sign-in", id: spec.id },
    h("h1", null, spec.title),
    h("p", { class: "muted" }, spec.hint),
    spec.fields.map(([label, input]) => h("label", null, label, input)),
    submit,
    error,
  );
  form.addEventListener("submit", (event) => {
    event.preventDefault();
    submit.disabled = true;
    error.hidden = true;
    act()
      .catch((e: Error) => {
        error.textContent = e.message;
        error.hidden = false;
      })
      .finally(() => (submit.disabled = false));
  });
  replace(view, form);
  spec.fields[0]?.[1].focus();
}

const input = (name: string, type: string, autocomplete: string): HTMLInputElement =>
  h("input", { type, name, autocomplete, required: true });

export function renderSignIn(view: HTMLElement, done: () => void): void {
  const email = input("email", "email", "username");
  const password = input("password", "password", "current-password");
  step(
    view,
    {
      id: "sign-in-form",
      title: "Sign in",
      hint: "Use the address the advisor emails and the password Cognito sent you.",
      submit: "Sign in",
      fields: [["Email", email], ["Password", password]],
    },
    async () => {
      const address = email.value.trim();
      const answer = await signIn(address, password.value).catch((e: Error) => {
        throw new Error(`Sign-in failed: ${e.message}`);
      });
      if (isChallenge(answer)) return askNewPassword(view, answer, done);
      session.save(address, answer);
      done();
    },
  );
}

function askNewPassword(view: HTMLElement, challenge: Challenge, done: () => void): void {
  const first = input("new-password", "password", "new-password");
  const second = input("confirm-password", "password", "new-password");
  step(
    view,
    {
      id: "new-password-form",
      title: "Choose a new password",
      hint: `First sign-in for ${challenge.email}: replace the temporary password (8 characters or more).`,
      submit: "Set password and sign in",
      fields: [["New password", first], ["Repeat it", second]],
    },
    async () => {
      if (first.value !== second.value) throw new Error("The two passwords differ.");
      const tokens = await newPassword(challenge.email, challenge.session, first.value).catch((e: Error) => {
        throw new Error(`Cognito refused the new password: ${e.message}`);
      });
      session.save(challenge.email, tokens);
      done();
    },
  );
}

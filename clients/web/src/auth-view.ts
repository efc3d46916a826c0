import { browserSupportsWebAuthn, startAuthentication, type PublicKeyCredentialRequestOptionsJSON } from "@simplewebauthn/browser";
import type { Account, TokenPair } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import type { Api } from "./api.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";

type Mode = "login" | "register";

/** What a login (by password or passkey) answers. */
export interface SignedIn {
  readonly tokens?: TokenPair;
  readonly account?: Account;
}

/** A login refused because anti-cheat suspended or banned the account, with the appeal token it carried. */
export interface RestrictedLogin {
  /** Why the login was refused, in words for the player. */
  readonly message: string;
  /** Good only for seeing one's standing and appealing, until `expiresAt`. */
  readonly appealToken: string;
  readonly expiresAt: Date;
}

/**
 * Log in / create account. When the server answers MFA_REQUIRED, the login
 * form grows an authenticator-code field and the same credentials are sent
 * again with the code. "Log in with a passkey" needs neither email nor
 * password: the browser offers the passkeys it holds for this site. A
 * suspended or banned account's right credentials lead to the appeal desk
 * (`onRestricted`) instead of a dead end.
 */
export function createAuthView(api: Api, onSignedIn: (login: SignedIn) => void, onRestricted: (login: RestrictedLogin) => void, notice?: string): View {
  let mode: Mode = "login";
  const tabs = {
    login: h("button", { type: "button", role: "tab", class: "tab", onclick: () => switchTo("login") }, "Log in"),
    register: h("button", { type: "button", role: "tab", class: "tab", onclick: () => switchTo("register") }, "Create account"),
  };
  const body = h("div", { class: "auth-body" });
  const element = h(
    "section",
    { class: "auth-card panel", "aria-labelledby": "auth-title", "data-testid": "auth" },
    h("h1", { id: "auth-title", class: "auth-title" }, "Enter the Chaos"),
    h("p", { class: "auth-tagline" }, "Sign in to command your heroes in the Ember Plains."),
    h("div", { class: "tabs", role: "tablist" }, tabs.login, tabs.register),
    body,
  );

  const userAgent = () => `Chaos console · ${navigator.userAgent}`.slice(0, 256);

  function switchTo(next: Mode, prefillEmail = "", message?: string) {
    mode = next;
    for (const [name, tab] of Object.entries(tabs)) {
      tab.setAttribute("aria-selected", String(name === mode));
      tab.classList.toggle("active", name === mode);
    }
    body.replaceChildren(mode === "login" ? loginForm(prefillEmail) : registerForm());
    if (message !== undefined) body.prepend(h("p", { class: "notice", role: "status", "data-testid": "auth-notice" }, message));
    body.querySelector<HTMLInputElement>("input")?.focus();
  }

  function loginForm(prefillEmail: string): HTMLFormElement {
    const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true, value: prefillEmail });
    const password = h("input", { type: "password", name: "password", autocomplete: "current-password", required: true });
    const code = h("input", { type: "text", name: "mfa-code", inputmode: "numeric", autocomplete: "one-time-code", maxlength: 32 });
    const codeField = field("Authenticator code", code, "6-digit code from your authenticator app, or a recovery code.");
    codeField.hidden = true;
    const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "auth-error" });
    const submit = h("button", { type: "submit", class: "primary" }, "Log in");
    const passkey = h("button", { type: "button", class: "ghost", "data-testid": "passkey-login", hidden: !browserSupportsWebAuthn() }, "Log in with a passkey");
    passkey.addEventListener("click", () => {
      passkey.disabled = true;
      api.publicIdentity
        .beginPasskeyLogin({})
        .then(async (ceremony) => {
          const optionsJSON = JSON.parse(ceremony.optionsJson) as PublicKeyCredentialRequestOptionsJSON;
          const credential = await startAuthentication({ optionsJSON });
          return api.publicIdentity.finishPasskeyLogin({ ceremonyId: ceremony.ceremonyId, credentialJson: JSON.stringify(credential), userAgent: userAgent() });
        })
        .then((login) => onSignedIn(login))
        .catch((error: unknown) => void restricted(showProblem(alert, error)))
        .finally(() => {
          passkey.disabled = false;
        });
    });
    const form = h("form", { class: "stack", "data-testid": "login-form" }, field("Email", email), field("Password", password), codeField, alert, submit, passkey);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit.disabled = true;
      api.publicIdentity
        .login({ email: email.value.trim(), password: password.value, mfaCode: code.value.trim(), userAgent: userAgent() })
        .then((login) => onSignedIn(login))
        .catch((error: unknown) => {
          const problem = showProblem(alert, error);
          if (restricted(problem)) return;
          // Asking for the code is the normal second step of a login, not a failure.
          alert.classList.toggle("prompt", problem?.reason === "MFA_REQUIRED");
          if (problem?.reason === "MFA_REQUIRED" || problem?.reason === "INVALID_MFA_CODE" || problem?.reason === "MFA_CODE_REPLAYED") {
            codeField.hidden = false;
            code.required = true;
            code.select();
            code.focus();
          }
        })
        .finally(() => {
          submit.disabled = false;
        });
    });
    return form;
  }

  /** True when the refusal was a suspension or ban with an appeal token: the player goes to the appeal desk. */
  function restricted(problem: ReturnType<typeof showProblem>): boolean {
    const appealToken = problem?.metadata.appeal_token;
    if (appealToken === undefined) return false;
    onRestricted({ message: problem!.message, appealToken, expiresAt: new Date(problem!.metadata.appeal_token_expires ?? Date.now()) });
    return true;
  }

  function registerForm(): HTMLFormElement {
    const email = h("input", { type: "email", name: "email", autocomplete: "username", required: true });
    const password = h("input", { type: "password", name: "password", autocomplete: "new-password", required: true, minlength: 12, maxlength: 128 });
    const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "auth-error" });
    const submit = h("button", { type: "submit", class: "primary" }, "Create account");
    const form = h(
      "form",
      { class: "stack", "data-testid": "register-form" },
      field("Email", email),
      field("Password", password, "At least 12 characters. A passphrase works well."),
      alert,
      submit,
    );
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      submit.disabled = true;
      const credentials = { email: email.value.trim(), password: password.value };
      api.publicIdentity
        .register(credentials)
        .then(() => api.publicIdentity.login({ ...credentials, userAgent: userAgent() }))
        .then((login) => onSignedIn(login))
        .catch((error: unknown) => {
          const problem = showProblem(alert, error);
          if (problem?.reason === "EMAIL_TAKEN") switchTo("login", credentials.email, problem.message);
        })
        .finally(() => {
          submit.disabled = false;
        });
    });
    return form;
  }

  switchTo("login", "", notice);
  return { element, dispose: () => undefined };
}

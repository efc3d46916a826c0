import { toString as renderQrCode } from "qrcode";
import type { Account } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import type { Api } from "./api.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";

/**
 * Two-factor enrolment: EnrollMfa gives a secret and an otpauth:// URI, shown
 * as a QR code and as text for manual entry; VerifyMfa with a first code turns
 * MFA on and returns recovery codes, shown once. Both need the current password
 * again (step-up: the access token alone does not change MFA); it is asked once
 * and kept only in this view until enrolment ends.
 */
export function createMfaView(api: Api, account: Account, onEnabled: () => void): View {
  const content = h("div", { class: "mfa-content" });
  const element = h(
    "section",
    { class: "panel mfa", "aria-labelledby": "mfa-title", "data-testid": "mfa" },
    h("h2", { id: "mfa-title" }, "Account security"),
    content,
  );

  function showStatus() {
    if (account.mfaEnabled) {
      content.replaceChildren(h("p", { class: "ok", "data-testid": "mfa-enabled" }, "Two-factor authentication is on."));
      return;
    }
    const password = h("input", { type: "password", name: "mfa-password", autocomplete: "current-password", required: true, maxlength: 128 });
    const start = h("button", { type: "submit", class: "primary" }, "Enable two-factor");
    const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "mfa-error" });
    const form = h("form", { class: "stack" }, field("Current password", password, "Changing two-factor settings needs your password."), alert, start);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      start.disabled = true;
      const stepUp = password.value;
      api.identity
        .enrollMfa({ password: stepUp })
        .then((enrolment) => showEnrolment(enrolment.secret, enrolment.otpauthUri, stepUp))
        .catch((error: unknown) => showProblem(alert, error))
        .finally(() => {
          start.disabled = false;
        });
    });
    content.replaceChildren(
      h("p", { class: "muted" }, "Protect your account with an authenticator app (TOTP). You will need a code at every login."),
      form,
    );
  }

  function showEnrolment(secret: string, otpauthUri: string, stepUp: string) {
    const qr = h("div", { class: "qr", role: "img", "aria-label": "QR code for your authenticator app", "data-testid": "mfa-qr" });
    void renderQrCode(otpauthUri, { type: "svg", margin: 1, errorCorrectionLevel: "M", color: { dark: "#120d0a", light: "#f4e9d0" } }).then((svg) => {
      // The SVG is produced by the qrcode library from our own URI, not from user input.
      qr.innerHTML = svg;
    });
    const code = h("input", { type: "text", name: "mfa-verify-code", inputmode: "numeric", autocomplete: "one-time-code", required: true, pattern: "[0-9]{6}", maxlength: 6 });
    const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "mfa-error" });
    const verify = h("button", { type: "submit", class: "primary" }, "Verify and enable");
    const form = h("form", { class: "stack" }, field("Verification code", code, "The 6-digit code your app shows now."), alert, verify);
    form.addEventListener("submit", (event) => {
      event.preventDefault();
      verify.disabled = true;
      api.identity
        .verifyMfa({ code: code.value.trim(), password: stepUp })
        .then((result) => showRecoveryCodes(result.recoveryCodes))
        .catch((error: unknown) => showProblem(alert, error))
        .finally(() => {
          verify.disabled = false;
        });
    });
    content.replaceChildren(
      h(
        "div",
        { class: "mfa-enrol" },
        qr,
        h(
          "div",
          { class: "stack" },
          h("p", {}, "Scan the code with your authenticator app, or enter this secret by hand:"),
          h("code", { class: "secret", "data-testid": "mfa-secret" }, secret),
          form,
        ),
      ),
    );
    code.focus();
  }

  function showRecoveryCodes(codes: readonly string[]) {
    account.mfaEnabled = true;
    onEnabled();
    const done = h("button", { type: "button", class: "primary" }, "I have saved these codes");
    done.addEventListener("click", showStatus);
    content.replaceChildren(
      h("p", { class: "ok", "data-testid": "mfa-enabled" }, "Two-factor authentication is on."),
      h("p", {}, "Save these recovery codes somewhere safe. Each works once if you lose your device. They will not be shown again."),
      h("ol", { class: "recovery-codes", "data-testid": "recovery-codes" }, ...codes.map((c) => h("li", {}, h("code", {}, c)))),
      done,
    );
    done.focus();
  }

  showStatus();
  return { element, dispose: () => undefined };
}

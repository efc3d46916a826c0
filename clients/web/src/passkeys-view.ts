import { browserSupportsWebAuthn, startRegistration, type PublicKeyCredentialCreationOptionsJSON } from "@simplewebauthn/browser";
import type { Passkey } from "@chaos/gen/chaos/identity/v1/account_pb.js";
import type { Api } from "./api.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";
import { timestampMs } from "./time.js";

/**
 * The player's passkeys: add one (the current password first, as for every
 * change of how the account is logged into; then the browser asks the
 * authenticator for a passkey of this site), see them, remove one. With a
 * passkey the player logs in without a password, and a phishing site cannot
 * use it: the authenticator signs the site's origin.
 */
export function createPasskeysView(api: Api): View {
  const list = h("ul", { class: "passkeys", "data-testid": "passkey-list" });
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "passkey-error" });
  const password = h("input", { type: "password", name: "passkey-password", autocomplete: "current-password", required: true, maxlength: 128 });
  const name = h("input", { type: "text", name: "passkey-name", required: true, maxlength: 64, value: "This device" });
  const add = h("button", { type: "submit", class: "primary" }, "Add a passkey");
  const form = h("form", { class: "stack", "data-testid": "passkey-form" }, field("Passkey name", name), field("Current password", password, "Adding or removing a passkey needs your password."), add);
  const element = h(
    "section",
    { class: "panel passkeys-panel", "aria-labelledby": "passkeys-title", "data-testid": "passkeys" },
    h("h2", { id: "passkeys-title" }, "Passkeys"),
    h("p", { class: "muted" }, "Log in with your fingerprint, face or device PIN instead of your password."),
    list,
    alert,
    form,
  );

  const render = (passkeys: readonly Passkey[]) => {
    list.replaceChildren(
      ...(passkeys.length === 0
        ? [h("li", { class: "muted" }, "No passkeys yet.")]
        : passkeys.map((passkey) => {
            const remove = h("button", { type: "button", class: "ghost", "data-testid": "passkey-remove" }, "Remove");
            remove.addEventListener("click", () => {
              if (password.value === "") {
                password.focus();
                showProblem(alert, new Error("Enter your current password to remove a passkey."));
                return;
              }
              remove.disabled = true;
              api.identity
                .deletePasskey({ passkeyId: passkey.passkeyId, password: password.value })
                .then(refresh)
                .catch((error: unknown) => showProblem(alert, error))
                .finally(() => {
                  remove.disabled = false;
                });
            });
            const used = passkey.lastUseTime === undefined ? "never used" : `last used ${new Date(timestampMs(passkey.lastUseTime)).toLocaleString()}`;
            return h("li", { "data-testid": "passkey" }, h("strong", {}, passkey.name), h("span", { class: "muted" }, ` · ${used}${passkey.backedUp ? " · synced" : ""} `), remove);
          })),
    );
  };

  function refresh(): Promise<void> {
    return api.identity.listPasskeys({}).then(
      (answer) => {
        showProblem(alert, undefined);
        render(answer.passkeys);
      },
      (error: unknown) => void showProblem(alert, error),
    );
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    add.disabled = true;
    const label = name.value.trim();
    api.identity
      .beginPasskeyRegistration({ password: password.value })
      .then(async (ceremony) => {
        const optionsJSON = JSON.parse(ceremony.optionsJson) as PublicKeyCredentialCreationOptionsJSON;
        const credential = await startRegistration({ optionsJSON });
        await api.identity.finishPasskeyRegistration({ ceremonyId: ceremony.ceremonyId, credentialJson: JSON.stringify(credential), name: label });
        password.value = "";
        await refresh();
      })
      .catch((error: unknown) => showProblem(alert, error))
      .finally(() => {
        add.disabled = false;
      });
  });

  if (!browserSupportsWebAuthn()) {
    form.hidden = true;
    list.replaceChildren(h("li", { class: "muted" }, "This browser does not support passkeys."));
  } else void refresh();
  return { element, dispose: () => undefined };
}

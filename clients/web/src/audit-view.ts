import { timestampFromDate } from "@bufbuild/protobuf/wkt";
import { Outcome, type AuditRecord } from "@chaos/gen/chaos/audit/v1/audit_record_pb.js";
import type { Api } from "./api.js";
import { field, h, type View } from "./dom.js";
import { showProblem } from "./errors.js";
import { timestampMs } from "./time.js";

const pageSize = 25;
const outcomeNames: Readonly<Record<number, string>> = { [Outcome.SUCCESS]: "success", [Outcome.FAILURE]: "failure", [Outcome.DENIED]: "denied" };

/**
 * The audit log, for admins (AuditService): search by actor, action, outcome
 * and time, page through the answer, and verify the hash chains (one
 * partition, or all) — a broken link is named by partition and sequence.
 */
export function createAuditView(api: Api): View {
  const actor = h("input", { type: "text", placeholder: "account id", "data-testid": "audit-actor" });
  const action = h("input", { type: "text", placeholder: "identity.login", "data-testid": "audit-action" });
  const outcome = h(
    "select",
    { "data-testid": "audit-outcome" },
    h("option", { value: "0" }, "any"),
    ...Object.entries(outcomeNames).map(([value, name]) => h("option", { value }, name)),
  );
  const from = h("input", { type: "datetime-local", "data-testid": "audit-from" });
  const until = h("input", { type: "datetime-local", "data-testid": "audit-until" });
  const search = h("button", { type: "submit", "data-testid": "audit-search" }, "Search");
  const more = h("button", { type: "button", class: "ghost small", hidden: true, "data-testid": "audit-more" }, "More");
  const rows = h("tbody", { "data-testid": "audit-records" });
  const alert = h("p", { class: "alert", role: "alert", hidden: true, "data-testid": "audit-error" });
  const partition = h("input", { type: "text", placeholder: "all partitions, or e.g. 2026-12-02/5", "data-testid": "audit-partition" });
  const verify = h("button", { type: "button", "data-testid": "audit-verify" }, "Verify chains");
  const verdict = h("p", { role: "status", class: "muted", "data-testid": "audit-verdict" });
  const form = h(
    "form",
    { class: "audit-search" },
    field("Actor", actor),
    field("Action starts with", action),
    field("Outcome", outcome),
    field("From", from),
    field("Until", until),
    search,
  );
  const element = h(
    "section",
    { class: "panel audit-panel", "aria-labelledby": "audit-title", "data-testid": "audit-view" },
    h("h2", { id: "audit-title" }, "Audit log"),
    form,
    h(
      "table",
      { class: "board audit-table" },
      h("thead", {}, h("tr", {}, ...["When", "Actor", "Action", "Resource", "Outcome", "Chain"].map((t) => h("th", { scope: "col" }, t)))),
      rows,
    ),
    more,
    alert,
    h("div", { class: "row-actions audit-verify" }, partition, verify),
    verdict,
  );

  let nextPageToken = "";
  const request = () => ({
    actorId: actor.value.trim(),
    actionPrefix: action.value.trim(),
    outcome: Number(outcome.value) as Outcome,
    startTime: from.value === "" ? undefined : timestampFromDate(new Date(from.value)),
    endTime: until.value === "" ? undefined : timestampFromDate(new Date(until.value)),
    pageSize,
  });

  function row(record: AuditRecord): HTMLElement {
    const when = new Date(timestampMs(record.occurTime));
    return h(
      "tr",
      { "data-testid": "audit-record", "data-action": record.action, "data-outcome": outcomeNames[record.outcome] ?? "" },
      h("td", {}, h("time", { datetime: when.toISOString() }, when.toLocaleString())),
      h("td", { class: "mono" }, record.actorId || "anonymous"),
      h("td", {}, record.action),
      h("td", { class: "mono" }, record.resource),
      h("td", {}, outcomeNames[record.outcome] ?? "?"),
      h("td", { class: "mono", title: record.hash }, `${record.partition} #${record.sequence}`),
    );
  }

  async function load(append: boolean) {
    search.disabled = more.disabled = true;
    alert.hidden = true;
    try {
      const page = await api.audit.listAuditRecords({ ...request(), pageToken: append ? nextPageToken : "" });
      if (!append) rows.replaceChildren();
      rows.append(...page.records.map(row));
      nextPageToken = page.nextPageToken;
      more.hidden = nextPageToken === "";
    } catch (error) {
      showProblem(alert, error);
    } finally {
      search.disabled = more.disabled = false;
    }
  }

  form.addEventListener("submit", (event) => {
    event.preventDefault();
    void load(false);
  });
  more.addEventListener("click", () => void load(true));
  verify.addEventListener("click", () => {
    verify.disabled = true;
    verdict.textContent = "Verifying…";
    void api.audit
      .verifyAuditChain({ partition: partition.value.trim() })
      .then((answer) => {
        const broken = answer.firstBreak;
        verdict.dataset.intact = String(answer.intact);
        verdict.textContent = answer.intact
          ? `Intact: ${answer.recordsChecked} records in ${answer.partitionsChecked} partition(s)${answer.truncated ? " (stopped early: verify one partition for the rest)" : ""}.`
          : `Broken at ${broken?.partition} #${broken?.sequence}: ${broken?.problem}.`;
      })
      .catch((error) => {
        verdict.textContent = "";
        showProblem(alert, error);
      })
      .finally(() => {
        verify.disabled = false;
      });
  });
  void load(false);
  return { element, dispose: () => undefined };
}

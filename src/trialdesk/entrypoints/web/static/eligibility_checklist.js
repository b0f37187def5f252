// Live eligibility checklist: each change sends the answers typed so far to the API, which
// evaluates the protocol's criteria; the browser only displays the verdict per criterion.
(function () {
  "use strict";
  const form = document.getElementById("screening-form");
  if (!form) return;
  const errorBox = document.getElementById("eligibility-error");
  // The API answers with codes; the page carries the labels of trialdesk.domain.labels.
  const STATUS_LABELS = JSON.parse(form.dataset.statusLabels || "{}");
  let pending = null;

  function answers() {
    const found = {};
    form.querySelectorAll("[data-kind]").forEach((el) => {
      const text = el.value.trim();
      if (text === "") return;
      // Saved investigator attestations are shown, not posted: their inputs carry data-field.
      const name = el.name || el.dataset.field;
      if (el.dataset.kind === "boolean") found[name] = text === "yes";
      else found[name] = Number(text);
    });
    return found;
  }

  // Clears only the messages this script placed; the server's (a refused save) stay.
  function showFieldErrors(problem) {
    form.querySelectorAll(".field-error[data-live]").forEach((el) => {
      el.textContent = "";
      delete el.dataset.live;
    });
    let placed = false;
    ((problem && problem.errors) || []).forEach((e) => {
      const slot = form.querySelector(`.field-error[data-for="${e.field.replace(/^answers\./, "")}"]`);
      if (slot) { slot.textContent = e.message; slot.dataset.live = "yes"; placed = true; }
    });
    errorBox.hidden = !problem || placed;
    errorBox.textContent = problem && !placed ? problem.message : "";
  }

  async function check() {
    const response = await fetch("/api/v1/eligibility/check", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify({ answers: answers() }),
    });
    const data = await response.json();
    if (!response.ok) { showFieldErrors(data); return; }
    showFieldErrors(null);
    data.criteria.forEach((c) => {
      const row = document.querySelector(`tr[data-criterion="${c.criterion_id}"]`);
      if (!row) return;
      row.querySelector(".status").textContent = STATUS_LABELS[c.status] || c.status.replace(/_/g, " ");
      row.querySelector(".reason").textContent = c.reason;
      row.dataset.status = c.status;
    });
    // Missing answers (such as those awaiting the investigator) leave the screening incomplete;
    // only a recorded answer that fails a criterion makes the patient not eligible.
    const failing = data.criteria.some((c) => c.status === "not_met" || c.status === "not_attested");
    document.getElementById("eligibility-verdict").textContent =
      data.eligible ? "eligible" : failing ? "not eligible" : "incomplete";
  }

  form.addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(check, 150);
  });
  check();
})();

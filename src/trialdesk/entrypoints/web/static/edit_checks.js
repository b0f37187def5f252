// Edit checks while typing: each form with data-edit-checks sends its would-be values to the
// dry-run endpoint when a field changes, and shows the findings next to their fields before
// the form is saved. Hard findings will refuse the save; soft ones will ask for a confirmation.
(function () {
  "use strict";

  function valuesOf(form) {
    const nest = form.dataset.nest || "";
    const flat = new Set((form.dataset.flat || "").split(",").filter(Boolean));
    const skip = new Set((form.dataset.skip || "").split(",").filter(Boolean));
    const values = {};
    const nested = {};
    for (const element of form.elements) {
      const name = element.name;
      if (!name || skip.has(name) || name.startsWith("baseline_")) continue;
      if (["csrf_token", "confirm", "confirm_reason", "password"].includes(name)) continue;
      let value;
      if (element.type === "checkbox") {
        if (name === "seriousness") continue;
        value = element.checked;
      } else if (element.type === "number") {
        if (element.value.trim() === "") continue;
        value = Number(element.value);
      } else {
        if (element.value.trim() === "") continue;
        value = element.value.trim();
      }
      if (nest && !flat.has(name)) nested[name] = value; else values[name] = value;
    }
    if (nest) values[nest] = nested;
    return values;
  }

  function show(form, findings) {
    const prefix = form.dataset.nest ? form.dataset.nest + "." : "";
    for (const spot of form.querySelectorAll(".edit-check")) spot.textContent = "";
    for (const finding of findings) {
      const field = finding.field.startsWith(prefix) ? finding.field.slice(prefix.length) : finding.field;
      const spot = form.querySelector(`.edit-check[data-check-for="${CSS.escape(field)}"]`);
      if (!spot) continue;
      const line = document.createElement("span");
      line.className = finding.severity;
      line.dataset.code = finding.code;
      const what = finding.severity === "hard" ? "Will be refused: " : "Will ask you to confirm: ";
      line.textContent = what + finding.message;
      spot.appendChild(line);
    }
  }

  async function check(form) {
    const response = await fetch(form.dataset.editChecks, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify({ values: valuesOf(form) }),
    });
    if (!response.ok) return; // the save itself reports what is wrong
    const data = await response.json();
    show(form, data.findings);
  }

  for (const form of document.querySelectorAll("form[data-edit-checks]")) {
    let pending = null;
    form.addEventListener("change", () => {
      clearTimeout(pending);
      pending = setTimeout(() => check(form), 200);
    });
  }
})();

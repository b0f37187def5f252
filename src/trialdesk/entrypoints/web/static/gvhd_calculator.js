// Live GVHD calculator: every change re-stages the measurements and re-assesses the response
// through the API, so the browser never holds a second copy of the clinical rules. Nothing is
// shown until the values a stage needs are entered: an empty form has no grade and no response.
(function () {
  "use strict";
  const form = document.getElementById("gvhd-calculator");
  if (!form) return;
  const csrf = form.dataset.csrf;
  const organs = ["skin", "liver", "upper_gi", "lower_gi"];
  const errorBox = document.getElementById("calculator-error");
  let pending = null;
  // The API answers with codes; the page carries the labels of trialdesk.domain.labels.
  const STEP_LABELS = JSON.parse(form.dataset.stepLabels || "{}");
  const DRIVER_LABELS = JSON.parse(form.dataset.driverLabels || "{}");

  function numberOrNull(name) {
    const text = form.elements[name].value.trim();
    return text === "" ? null : Number(text);
  }

  // What must be typed before anything is staged (desquamation only counts with bullae).
  function missing() {
    const needed = [["skin_bsa_pct", "skin rash"], ["bilirubin", "bilirubin"], ["bilirubin_unit", "bilirubin unit"]];
    if (form.elements.bullae.checked) needed.push(["desquamation_bsa_pct", "desquamation"]);
    return needed.filter(([name]) => form.elements[name].value.trim() === "").map(([, what]) => what);
  }

  function baselineMissing() {
    return organs.some((organ) => form.elements["baseline_" + organ].value === "");
  }

  function clear(message) {
    organs.forEach((organ) => {
      document.querySelector(`[data-baseline="${organ}"]`).textContent = "–";
      document.querySelector(`[data-stage="${organ}"]`).textContent = "–";
      document.querySelector(`[data-driver="${organ}"]`).textContent = "–";
    });
    ["grade", "response", "next-step"].forEach((id) => set(id, "–"));
    set("next-step-reason", message);
  }

  function measurements() {
    return {
      skin_bsa_pct: numberOrNull("skin_bsa_pct"),
      bullae: form.elements.bullae.checked,
      desquamation_bsa_pct: numberOrNull("desquamation_bsa_pct") ?? 0,
      bilirubin: numberOrNull("bilirubin"),
      bilirubin_unit: form.elements.bilirubin_unit.value,
      upper_gi_persistent: form.elements.upper_gi_persistent.checked,
      stool_ml_per_day: numberOrNull("stool_ml_per_day"),
      stool_episodes_per_day: numberOrNull("stool_episodes_per_day"),
      severe_abdominal_pain: form.elements.severe_abdominal_pain.checked,
      bloody_stool: form.elements.bloody_stool.checked,
    };
  }

  async function post(path, body) {
    const response = await fetch(path, {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf },
      body: JSON.stringify(body),
    });
    const data = await response.json();
    if (!response.ok) throw data;
    return data;
  }

  // Only the messages this script placed are cleared: a message the server put next to a field
  // (a refused save, e.g. a date before randomization) stays until the form is sent again.
  function showErrors(problem) {
    form.querySelectorAll(".field-error[data-live]").forEach((el) => {
      el.textContent = "";
      delete el.dataset.live;
    });
    if (!problem) { errorBox.hidden = true; return; }
    let placed = false;
    (problem.errors || []).forEach((e) => {
      const slot = form.querySelector(`.field-error[data-for="${e.field}"]`);
      if (slot) { slot.textContent = e.message; slot.dataset.live = "yes"; placed = true; }
    });
    errorBox.textContent = placed ? "" : problem.message || "cannot compute";
    errorBox.hidden = placed;
  }

  function set(id, text) { document.getElementById(id).textContent = text; }

  async function recompute() {
    const absent = missing();
    if (absent.length) {
      showErrors(null);
      clear("(enter " + absent.join(", ") + ")");
      return;
    }
    try {
      const staged = await post("/api/v1/gvhd/stage", measurements());
      const baseline = {};
      organs.forEach((organ) => {
        const typed = form.elements["baseline_" + organ].value;
        baseline[organ] = Number(typed);
        document.querySelector(`[data-baseline="${organ}"]`).textContent = typed === "" ? "–" : typed;
        document.querySelector(`[data-stage="${organ}"]`).textContent = staged.stages[organ];
        document.querySelector(`[data-driver="${organ}"]`).textContent = DRIVER_LABELS[staged.drivers[organ]] || staged.drivers[organ] || "–";
      });
      set("grade", staged.grade_label);
      if (form.dataset.noBaseline) {
        // The subject's first assessment is the baseline: there is nothing to compare with yet.
        set("response", "baseline (this assessment)");
        set("next-step", "continue");
        set("next-step-reason", "");
        showErrors(null);
        return;
      }
      if (baselineMissing()) {
        set("response", "–");
        set("next-step", "–");
        set("next-step-reason", "(choose the baseline stages)");
        showErrors(null);
        return;
      }
      const visit = form.elements.visit.value;
      const assessed = await post("/api/v1/gvhd/response", {
        baseline: baseline,
        current: staged.stages,
        visit: visit || null,
        course: numberOrNull("course") ?? 1,
      });
      set("response", assessed.response);
      set("next-step", assessed.next_step ? (STEP_LABELS[assessed.next_step.step] || assessed.next_step.step) : "choose a visit");
      set("next-step-reason", assessed.next_step ? "(" + assessed.next_step.reason + ")" : "");
      showErrors(null);
    } catch (problem) {
      showErrors(problem);
    }
  }

  // The visit suggested by the page is today's. Once another date is typed, an untouched
  // suggestion is dropped ("match by date"): the server keeps a chosen visit as given.
  let visitTouched = false;
  form.elements.visit.addEventListener("change", () => { visitTouched = true; });
  ["input", "change"].forEach((kind) => {
    form.elements.assessed_on.addEventListener(kind, () => {
      const date = form.elements.assessed_on;
      if (!visitTouched && date.value !== date.defaultValue) form.elements.visit.value = "";
    });
  });

  form.addEventListener("input", () => {
    clearTimeout(pending);
    pending = setTimeout(recompute, 150);
  });
  recompute();
})();

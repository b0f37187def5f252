// Dose entry: the protocol's dose for the typed weight comes from the API as it is typed.
(function () {
  "use strict";
  const form = document.getElementById("dose-form");
  if (!form) return;
  const out = document.getElementById("planned-dose");
  let pending = null;

  async function update() {
    const weight = form.elements.weight_kg.value.trim();
    const option = form.elements.product.selectedOptions[0];
    if (!option || !option.value) { out.textContent = "choose the product"; return; }
    if (weight === "") { out.textContent = "enter the weight"; return; }
    const response = await fetch("/api/v1/dosing/planned", {
      method: "POST",
      credentials: "same-origin",
      headers: { "Content-Type": "application/json", "X-CSRF-Token": form.dataset.csrf },
      body: JSON.stringify({ product: option.value, weight_kg: Number(weight) }),
    });
    const data = await response.json();
    if (!response.ok) {
      out.textContent = (data.errors && data.errors[0] ? data.errors[0].message : data.message);
      return;
    }
    out.textContent = `${readable(data.dose_value)} ${data.dose_unit} (${data.basis})`;
    out.dataset.value = data.dose_value;
  }

  // Large counts read as the protocol writes them: 72 × 10⁶, not 7.200e+7 (the same rule as
  // trialdesk.domain.display.number on the server).
  const SUPERSCRIPT = { "-": "⁻", 0: "⁰", 1: "¹", 2: "²", 3: "³", 4: "⁴", 5: "⁵", 6: "⁶", 7: "⁷", 8: "⁸", 9: "⁹" };
  function readable(value) {
    if (!Number.isFinite(value) || value === 0 || Math.abs(value) < 1e6) {
      return String(Number(value.toPrecision(6)));
    }
    let exponent = 3 * Math.floor(Math.log10(Math.abs(value)) / 3);
    let mantissa = Number((value / 10 ** exponent).toFixed(3));
    if (Math.abs(mantissa) >= 1000) { mantissa /= 1000; exponent += 3; }
    const power = String(exponent).split("").map((c) => SUPERSCRIPT[c]).join("");
    return `${Number(mantissa.toPrecision(4))} × 10${power}`;
  }

  function productUnit() {
    // Each product has one unit in the protocol; choosing the product chooses its unit.
    const option = form.elements.product.selectedOptions[0];
    form.elements.dose_unit.value = option && option.dataset.unit ? option.dataset.unit : "";
  }

  form.elements.product.addEventListener("change", productUnit);
  form.addEventListener("input", () => { clearTimeout(pending); pending = setTimeout(update, 150); });
  if (!form.elements.dose_unit.value) productUnit();
  update();
})();

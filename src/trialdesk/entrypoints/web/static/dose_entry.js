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
    if (!option) return;
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
    out.textContent = `${data.dose_value.toPrecision(4).replace(/\.?0+$/, "")} ${data.dose_unit} (${data.basis})`;
    out.dataset.value = data.dose_value;
  }

  function productUnit() {
    // Each product has one unit in the protocol; choosing the product chooses its unit.
    const option = form.elements.product.selectedOptions[0];
    if (option) form.elements.dose_unit.value = option.dataset.unit;
  }

  form.elements.product.addEventListener("change", productUnit);
  form.addEventListener("input", () => { clearTimeout(pending); pending = setTimeout(update, 150); });
  if (!form.elements.dose_unit.value) productUnit();
  update();
})();

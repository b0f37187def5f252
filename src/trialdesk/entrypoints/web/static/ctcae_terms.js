// CTCAE term search as you type: the datalist of a term input is filled from
// GET /api/v1/terminology/ctcae?q=… ; choosing a listed term fills its MedDRA code, shows its
// system organ class and, for an "Other, specify" term, opens the free-text part with its SOC.
(function () {
  "use strict";
  for (const input of document.querySelectorAll("input[data-terminology]")) wire(input);

  function wire(input) {
    const list = document.getElementById(input.getAttribute("list"));
    const code = document.getElementById(input.dataset.codeField);
    const socShown = byId(input.dataset.socShown);
    const other = byId(input.dataset.otherBlock);
    const socSelect = byId(input.dataset.socSelect);
    const clearCode = input.hasAttribute("data-clear-code");
    const known = new Map();
    let timer = null;
    let asked = "";

    input.addEventListener("input", () => {
      clearTimeout(timer);
      timer = setTimeout(search, 150);
      choose();
    });
    input.addEventListener("change", choose);
    // The free-text part stays open while it holds text (a redisplayed form keeps it).
    if (other) other.hidden = !(other.querySelector("input") || {}).value;

    async function search() {
      const q = input.value.trim();
      if (q === asked) return;
      asked = q;
      if (q.length < 2) { list.replaceChildren(); return; }
      const response = await fetch(`${input.dataset.terminology}?q=${encodeURIComponent(q)}`, {
        credentials: "same-origin",
      });
      if (!response.ok) return;
      const data = await response.json();
      if (input.value.trim() !== q) return; // typed on meanwhile: a newer search follows
      list.replaceChildren(...data.terms.map((t) => {
        known.set(t.term, t);
        const option = document.createElement("option");
        option.value = t.term;
        option.label = t.soc;
        return option;
      }));
      choose();
    }

    function choose() {
      const term = known.get(input.value.trim());
      if (term) code.value = String(term.meddra_code);
      else if (clearCode) code.value = "";
      if (socShown) socShown.textContent = term ? term.soc : "shown once a term is chosen";
      if (socSelect && term) socSelect.value = term.soc;
      if (other && term) {
        other.hidden = !term.other_specify;
        if (!term.other_specify) other.querySelector("input").value = "";
      }
    }
  }

  function byId(id) {
    return id ? document.getElementById(id) : null;
  }
})();

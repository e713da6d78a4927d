// Small enhancements of server-rendered pages; every page works without them.
(function () {
  "use strict";

  // After a refused submit, the focus goes to the error summary, so that screen readers
  // announce it and keyboards start from its links to the fields in error.
  function focusErrorSummary() {
    var summary = document.querySelector("[data-relance-error-summary]");
    if (summary && !window.location.hash) {
      summary.focus();
    }
  }

  // A link to a field (« …/budget/#id_total_budget », from the submit page's missing
  // fields) puts the cursor in it, not only the page at its height.
  function focusLinkedField() {
    var id = window.location.hash.slice(1);
    if (!id) {
      return;
    }
    var field = document.getElementById(decodeURIComponent(id));
    if (field && field.matches("input, select, textarea")) {
      field.focus();
    }
  }

  // Amounts as typed in French or with a dot: « 12 345,50 », « 12345.50 ».
  function parseAmount(text) {
    var cleaned = text.replace(/[\s\u00a0\u202f\u2009]/g, "").replace(",", ".");
    if (!/^\d+(\.\d*)?$/.test(cleaned)) {
      return 0;
    }
    return Number(cleaned);
  }

  // The same output as the server's ``format_euros``: no-break spaces, cents only if any.
  function formatEuros(amount, lang) {
    var whole = Math.round(amount * 100) % 100 === 0;
    var number = new Intl.NumberFormat(lang || "fr", {
      minimumFractionDigits: whole ? 0 : 2,
      maximumFractionDigits: whole ? 0 : 2,
      useGrouping: true,
    }).format(amount);
    return number.replace(/[\u202f ]/g, "\u00a0") + "\u00a0€";
  }

  // Budget lines: « Ajouter une ligne » copies the empty form (the formset's TOTAL_FORMS
  // follows), and the total follows the amounts typed. Without the script, saving offers
  // two new blank lines each time.
  function budgetLines(fieldset) {
    var list = fieldset.querySelector("[data-relance-budget-lines]");
    var template = fieldset.querySelector("template[data-relance-budget-template]");
    var button = fieldset.querySelector("[data-relance-add-line]");
    var total = fieldset.querySelector("[data-relance-budget-total]");
    var count = fieldset.querySelector('input[name$="-TOTAL_FORMS"]');
    var max = fieldset.querySelector('input[name$="-MAX_NUM_FORMS"]');
    var lang = document.documentElement.lang;
    if (!list || !template || !button || !count) {
      return;
    }

    function updateTotal() {
      var sum = 0;
      list.querySelectorAll("[data-relance-budget-line]").forEach(function (line) {
        var deleted = line.querySelector('input[type="checkbox"][name$="-DELETE"]');
        var amount = line.querySelector('input[name$="-amount"]');
        if (amount && !(deleted && deleted.checked)) {
          sum += parseAmount(amount.value);
        }
      });
      if (total) {
        total.textContent = formatEuros(sum, lang);
      }
    }

    function refreshButton() {
      button.hidden = max && Number(count.value) >= Number(max.value);
    }

    button.addEventListener("click", function () {
      var index = Number(count.value);
      var html = template.innerHTML
        .replace(/__prefix__/g, String(index))
        .replace(/__number__/g, String(index + 1));
      list.insertAdjacentHTML("beforeend", html);
      count.value = String(index + 1);
      refreshButton();
      var first = list.lastElementChild.querySelector("input, select, textarea");
      if (first) {
        first.focus();
      }
    });
    fieldset.addEventListener("input", updateTotal);
    fieldset.addEventListener("change", updateTotal);
    fieldset.querySelectorAll("[data-relance-without-script]").forEach(function (element) {
      element.hidden = true;
    });
    refreshButton();
  }

  document.addEventListener("DOMContentLoaded", function () {
    focusErrorSummary();
    focusLinkedField();
    document.querySelectorAll("[data-relance-budget-lines]").forEach(function (list) {
      budgetLines(list.closest("fieldset"));
    });
  });
})();

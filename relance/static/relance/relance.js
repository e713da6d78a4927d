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

  document.addEventListener("DOMContentLoaded", focusErrorSummary);
})();

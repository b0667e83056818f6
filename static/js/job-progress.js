// Optional enhancement of the job page: polls the JSON status and moves the progress bar without a full
// reload. The page works without it (meta refresh and a "Refresh" button).
(function () {
  "use strict";
  var box = document.querySelector("[data-job-status]");
  if (!box || !window.fetch) { return; }
  var meta = document.querySelector('meta[http-equiv="refresh"]');
  if (meta) { meta.parentNode.removeChild(meta); }
  var bar = document.getElementById("job-progress");
  var text = document.getElementById("job-text");
  function tick() {
    fetch(box.getAttribute("data-job-status"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
      .then(function (r) { return r.json(); })
      .then(function (s) {
        if (s.percent !== null && s.percent !== undefined) { bar.value = s.percent; bar.textContent = s.percent + " %"; }
        if (s.total) { text.textContent = s.done + " / " + s.total; }
        if (s.status === "done" || s.status === "failed") { window.location.reload(); return; }
        window.setTimeout(tick, 1500);
      })
      .catch(function () { window.setTimeout(tick, 5000); });
  }
  window.setTimeout(tick, 1000);
})();

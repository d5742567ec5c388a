// Polls the progress of work running in the background (a bulletin draft's PDF,
// bulletins.render; a job, jobs.run) from the URL in data-progress-url, which
// answers {state, label, progress}, and reloads the page once it is done or has
// failed. A file of its own: the Content-Security-Policy allows no inline script.
(function () {
  "use strict";
  var box = document.querySelector("[data-progress-url]");
  if (!box) return;
  var bar = box.querySelector("progress");
  var label = box.querySelector("[data-label]");
  function poll() {
    fetch(box.getAttribute("data-progress-url"), {
      credentials: "same-origin",
      headers: { Accept: "application/json" },
    })
      .then(function (response) { return response.json(); })
      .then(function (data) {
        if (bar) bar.value = data.progress;
        if (label) label.textContent = data.label;
        if (data.state === "done" || data.state === "failed" || data.state === "") {
          window.location.reload();
        } else {
          window.setTimeout(poll, 1000);
        }
      })
      .catch(function () { window.setTimeout(poll, 3000); });
  }
  window.setTimeout(poll, 1000);
})();

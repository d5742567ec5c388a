// The round report form: a live "filled n/m" count, "no change, keep last
// round's" per entry, and saving as the liaison goes (so a report begun on a
// phone can be finished on a desk computer). Works without it: the buttons post.
(function () {
  var form = document.querySelector("form.report-form[data-mode=fill]");
  if (!form) return;
  var status = form.querySelector("[data-autosave]");
  var doneCount = form.querySelector("[data-done]");
  var timer = null;
  var saving = false;
  var again = false;
  // Set once the server says another page saved a newer version: from then on
  // this page does not save by itself, so it cannot overwrite that version.
  var outdated = false;
  var pendingSubmit = null;
  var version = form.querySelector("input[name=draft_version]");
  var banner = form.querySelector("[data-outdated]");

  function entries() {
    return Array.prototype.slice.call(form.querySelectorAll("details.entry[data-editable]"));
  }

  function isFilled(entry) {
    var keep = entry.querySelector("[data-keep]");
    if (keep && keep.checked) return "kept";
    var required = entry.querySelectorAll("[data-required]");
    for (var i = 0; i < required.length; i++) {
      if (!required[i].value.trim()) return "";
    }
    return "filled";
  }

  function refresh() {
    var done = 0;
    entries().forEach(function (entry) {
      var state = isFilled(entry);
      var keep = entry.querySelector("[data-keep]");
      entry.classList.toggle("kept", !!(keep && keep.checked));
      if (state) done += 1;
      // A returned entry keeps its own label until it is sent again.
      if (entry.classList.contains("state-returned") || entry.classList.contains("state-revised")) return;
      var chip = entry.querySelector("[data-state]");
      if (chip) chip.textContent = form.dataset[(state || "todo") + "Label"];
    });
    if (doneCount) doneCount.textContent = done;
  }

  function say(text, isError) {
    if (!status) return;
    status.textContent = text;
    status.classList.toggle("error", !!isError);
  }

  function showOutdated(text) {
    outdated = true;
    clearTimeout(timer);
    timer = null;
    say(form.dataset.unsavedText, true);
    if (!banner) return;
    banner.querySelector("[data-outdated-text]").textContent = text;
    banner.hidden = false;
    banner.scrollIntoView({ block: "center" });
  }

  function saved(body) {
    // The next save of this page builds on what it just saved.
    if (version && body.version !== undefined) version.value = body.version;
    Object.keys(body.bases || {}).forEach(function (name) {
      var input = form.querySelector("input[name='" + name + "']");
      if (input) input.value = body.bases[name];
    });
    say(body.saved);
  }

  function save() {
    if (outdated) return;
    if (saving) { again = true; return; }
    saving = true;
    say(form.dataset.savingText);
    var data = new FormData(form);
    // Files go up with the buttons, not with every keystroke.
    Array.prototype.slice.call(form.querySelectorAll("input[type=file]")).forEach(function (input) {
      data.delete(input.name);
    });
    data.delete("action");
    fetch(window.location.href, {
      method: "POST",
      // Form-encoded, not multipart: no file goes up with an autosave, and the
      // server reads a form-encoded body of a whole report in a fraction of the
      // time it parses the same fields as multipart parts.
      body: new URLSearchParams(data),
      headers: { "X-Autosave": "1" },
      credentials: "same-origin",
    }).then(function (response) {
      return response.json().then(function (body) { return { ok: response.ok, body: body }; });
    }).then(function (result) {
      if (result.ok) saved(result.body);
      else if (result.body.outdated) showOutdated(result.body.outdated);
      else say(form.dataset.unsavedText + " " + result.body.error, true);
    }).catch(function () {
      say(form.dataset.unsavedText, true);
    }).then(function () {
      saving = false;
      if (pendingSubmit) {
        // A button pressed while a save was on its way: send it with the version
        // that save produced, or this page would conflict with itself.
        var button = pendingSubmit;
        pendingSubmit = null;
        again = false;
        if (form.requestSubmit) form.requestSubmit(button); else form.submit();
        return;
      }
      if (again) { again = false; save(); }
    });
  }

  function later() {
    clearTimeout(timer);
    timer = setTimeout(save, 2500);
  }

  form.addEventListener("input", function (event) {
    if (event.target.type === "file") return;
    refresh();
    later();
  });
  form.addEventListener("change", function (event) {
    if (event.target.type === "file") return;
    refresh();
    later();
  });
  form.addEventListener("submit", function (event) {
    clearTimeout(timer);
    timer = null;
    // Multipart only when a file goes up (see save()): the form's enctype follows
    // the file inputs at the moment the button is pressed.
    var files = Array.prototype.some.call(form.querySelectorAll("input[type=file]"), function (input) {
      return input.files && input.files.length > 0;
    });
    form.enctype = files ? "multipart/form-data" : "application/x-www-form-urlencoded";
    if (saving) {
      event.preventDefault();
      pendingSubmit = event.submitter || form.querySelector("button[name=action][value=save]");
    }
  });
  document.addEventListener("visibilitychange", function () {
    if (document.visibilityState === "hidden" && timer) { clearTimeout(timer); timer = null; save(); }
  });
  // Opening an entry closes the others, so the page stays short on a phone.
  Array.prototype.slice.call(form.querySelectorAll("details.entry")).forEach(function (entry) {
    entry.addEventListener("toggle", function () {
      if (!entry.open) return;
      form.querySelectorAll("details.entry[open]").forEach(function (other) {
        if (other !== entry) other.open = false;
      });
    });
  });
  // The field at fault: open its entry and bring it into view.
  var invalid = form.querySelector("[aria-invalid=true]");
  if (invalid) {
    var holder = invalid.closest("details.entry");
    if (holder) holder.open = true;
    invalid.scrollIntoView({ block: "center" });
    invalid.focus();
  }
  refresh();
})();

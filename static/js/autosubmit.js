// A select marked data-autosubmit sends its form when changed (a filter that applies
// at once). A file, not an inline handler: the Content-Security-Policy runs no inline
// script.
document.addEventListener("change", function (event) {
  var field = event.target;
  if (field.matches && field.matches("[data-autosubmit]") && field.form) {
    field.form.submit();
  }
});

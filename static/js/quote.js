// "Quote into our report": append a co-unit's progress text to the lead unit's field.
document.addEventListener("click", function (event) {
  var button = event.target.closest("button.quote");
  if (!button) return;
  var field = document.getElementById(button.dataset.target);
  if (!field) return;
  field.value = field.value ? field.value + "\n" + button.dataset.text : button.dataset.text;
  field.focus();
});

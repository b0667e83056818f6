// "Copy" buttons beside read-only fields ([data-copy] names the field's id). Without this script the buttons stay
// hidden and the fields are plain selectable text. Local file, no library: the app works offline.
(function () {
  "use strict";
  var status = document.querySelector("[data-copy-status]");

  function say(text) {
    if (status) { status.textContent = ""; status.textContent = text; }
  }

  function copyBySelection(field) {
    field.focus();
    field.select();
    field.setSelectionRange(0, field.value.length);
    try { return document.execCommand("copy"); } catch (e) { return false; }
  }

  Array.prototype.forEach.call(document.querySelectorAll("button[data-copy]"), function (button) {
    var field = document.getElementById(button.getAttribute("data-copy"));
    if (!field) { return; }
    button.hidden = false;
    button.addEventListener("click", function () {
      var done = function () { say(button.getAttribute("data-copied")); };
      var fallback = function () { if (copyBySelection(field)) { done(); } };
      if (navigator.clipboard && window.isSecureContext) {
        navigator.clipboard.writeText(field.value).then(done, fallback);
      } else {
        fallback();
      }
    });
  });
})();

// Émargement: signature pads (signature_pad, vendored in static/vendor) and the trainer's rotating code.
// Without JavaScript the trainee can still sign with her saved signature; drawing needs it.
(function () {
  "use strict";

  function setUpPad(box) {
    var canvas = box.querySelector("canvas");
    var input = box.querySelector("input[type=hidden]");
    var clear = box.querySelector("[data-sigpad-clear]");
    if (!canvas || !input || !window.SignaturePad) { return; }
    var pad = new window.SignaturePad(canvas, { penColor: "#1b1f24", minWidth: 1, maxWidth: 2.5 });
    function resize() {
      var ratio = Math.max(window.devicePixelRatio || 1, 1);
      var data = pad.toData();
      canvas.width = canvas.offsetWidth * ratio;
      canvas.height = canvas.offsetHeight * ratio;
      canvas.getContext("2d").scale(ratio, ratio);
      pad.clear();
      pad.fromData(data);
    }
    window.addEventListener("resize", resize);
    resize();
    if (clear) { clear.addEventListener("click", function () { pad.clear(); input.value = ""; }); }
    var form = box.closest("form");
    if (form) {
      form.addEventListener("submit", function () {
        input.value = pad.isEmpty() ? "" : pad.toDataURL("image/png");
      });
    }
  }

  Array.prototype.forEach.call(document.querySelectorAll("[data-sigpad]"), setUpPad);

  var screen = document.querySelector("[data-code-url]");
  if (screen && window.fetch) {
    var codeText = document.getElementById("rotating-code");
    var qr = document.getElementById("rotating-qr");
    var left = document.getElementById("code-left");
    var signed = document.getElementById("signed-count");
    var tick = function () {
      fetch(screen.getAttribute("data-code-url"), { credentials: "same-origin", headers: { "Accept": "application/json" } })
        .then(function (r) { return r.json(); })
        .then(function (s) {
          if (!s.open) { window.location.reload(); return; }
          codeText.textContent = s.code.slice(0, 3) + " " + s.code.slice(3);
          codeText.setAttribute("data-code", s.code);
          qr.src = s.qr;
          left.textContent = s.seconds_left;
          if (signed) { signed.textContent = s.signed; }
          window.setTimeout(tick, 3000);
        })
        .catch(function () { window.setTimeout(tick, 5000); });
    };
    window.setTimeout(tick, 3000);
  }
})();

// Starts ReDoc on /redoc from this file, not an inline script (the CSP allows none). ReDoc
// writes its styles into <style> elements: it marks them with the nonce this response's CSP
// allows (a data attribute, as browsers hide a nonce attribute from scripts).
window.addEventListener("DOMContentLoaded", function () {
  "use strict";
  var root = document.getElementById("redoc");
  Redoc.init(root.getAttribute("data-spec-url"), {
    nonce: root.getAttribute("data-style-nonce"),
    disableSearch: true // its search runs in a worker made from a blob: URL, which the CSP refuses
  }, root);
});

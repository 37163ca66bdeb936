// Starts Swagger UI on /docs from this file, not an inline script (the CSP allows none).
window.addEventListener("load", function () {
  "use strict";
  var root = document.getElementById("swagger-ui");
  window.ui = SwaggerUIBundle({
    url: root.getAttribute("data-spec-url"),
    dom_id: "#swagger-ui",
    deepLinking: true,
    validatorUrl: null, // no call to swagger.io: the docs work offline
    presets: [SwaggerUIBundle.presets.apis],
    layout: "BaseLayout"
  });
});

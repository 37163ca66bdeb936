// Forms marked data-validate are checked as the user types; the server checks again.
// The message shown is the field's data-error text (from the page's catalogue, so in the
// page's language); it goes into the element #<field id>-error, where the server puts its own.
// A field may name a check in data-check (one of CHECKS, below; pages may add their own with
// window.parkingForms.checks.NAME = function (value) { return true_if_valid; }) and may have
// to equal another field (data-same-as="other-id"); required, minlength, maxlength and pattern
// are checked as the browser defines them.
(function () {
  "use strict";

  var CHECKS = {
    // Mainland mobile number: the server's central.accounts.normalise_phone accepts the same.
    phone: function (value) {
      var digits = value.replace(/[\s\-()]/g, "").replace(/^(\+86|0086)/, "");
      if (digits.length === 13 && digits.indexOf("86") === 0) { digits = digits.slice(2); }
      return /^1[3-9]\d{9}$/.test(digits);
    },
    code: function (value) { return /^\d{6}$/.test(value.trim()); }
  };
  window.parkingForms = { checks: CHECKS };

  function isValid(input) {
    if (input.value === "" && !input.required) { return true; }
    if (!input.checkValidity()) { return false; }
    var check = CHECKS[input.getAttribute("data-check")];
    if (check && !check(input.value)) { return false; }
    var same = input.getAttribute("data-same-as");
    if (same && document.getElementById(same).value !== input.value) { return false; }
    return true;
  }

  function show(input, valid) {
    var box = document.getElementById(input.id + "-error");
    input.setAttribute("aria-invalid", valid ? "false" : "true");
    if (box) { box.textContent = valid ? "" : (input.getAttribute("data-error") || ""); }
  }

  function fields(form) {
    return Array.prototype.filter.call(form.elements, function (el) {
      return el.id && (el.tagName === "INPUT" || el.tagName === "SELECT" || el.tagName === "TEXTAREA") &&
        el.type !== "hidden";
    });
  }

  function watch(form) {
    fields(form).forEach(function (input) {
      input.addEventListener("input", function () {
        // Quiet while the first entry is being typed; loud once the field was left or refused.
        if (input.getAttribute("aria-invalid") !== null) { show(input, isValid(input)); }
      });
      input.addEventListener("blur", function () {
        if (input.value !== "") { show(input, isValid(input)); }
      });
    });
    form.addEventListener("submit", function (event) {
      var invalid = fields(form).filter(function (input) {
        var valid = isValid(input);
        show(input, valid);
        return !valid;
      });
      if (invalid.length) {
        event.preventDefault();
        invalid[0].focus();
      }
    });
  }

  document.querySelectorAll("form[data-validate]").forEach(watch);
  // A field the server refused keeps its message and is re-checked as it is corrected.
  document.querySelectorAll(".field-error").forEach(function (box) {
    var input = document.getElementById(box.id.replace(/-error$/, ""));
    if (input && box.textContent.trim() !== "") { input.setAttribute("aria-invalid", "true"); }
  });
}());

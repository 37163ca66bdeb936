// The operator console's small behaviours; every one also works without it (the server checks
// and renders everything):
// - data-confirm on a form: ask before sending (close a site, cancel a contract...);
// - the window rules editor (data-rules): add and remove rows; an end at or before the start
//   means the next day; the 14-day preview (data-preview) follows the rules as they are edited;
// - live tables (data-refresh="URL" data-every="seconds"): the rows are fetched again and
//   replaced; if that fails the table says it is stale;
// - form checks for forms.js: plate (data-provinces), spaces-add-up (total >= shared + reserved).
(function () {
  "use strict";

  var checks = (window.parkingForms && window.parkingForms.checks) || {};

  // A plate as the server normalises it: separators dropped, upper case; a province character,
  // a letter, then 5 or 6 letters/digits (green plates) or 4 and a special suffix. The server
  // (shared.plates) decides; this only catches typing mistakes early.
  checks.plate = function (value) {
    var holder = document.querySelector("[data-provinces]");
    var provinces = holder ? holder.getAttribute("data-provinces") : "";
    var text = value.replace(/[\s.\-_·•]/g, "").toUpperCase();
    if (text.length < 7 || text.length > 8) { return false; }
    return provinces.indexOf(text.charAt(0)) >= 0 && /^[A-Z]$/.test(text.charAt(1)) &&
      /^[A-Z0-9]{4,6}[A-Z0-9挂学警港澳领使]?$/.test(text.slice(2));
  };

  checks["spaces-add-up"] = function (value) {
    if (value === "") { return true; }
    var number = function (id) {
      var el = document.getElementById(id);
      return el && el.value !== "" ? parseInt(el.value, 10) : 0;
    };
    return parseInt(value, 10) >= number("shared_capacity") + number("reserved_spaces");
  };

  document.querySelectorAll("form[data-confirm]").forEach(function (form) {
    form.addEventListener("submit", function (event) {
      if (!window.confirm(form.getAttribute("data-confirm"))) { event.preventDefault(); }
    });
  });

  // -- the window rules editor and its preview ---------------------------------------------

  function previewOf(editor) {
    var form = editor.closest("form");
    var box = form && form.querySelector("[data-preview]");
    if (!box) { return; }
    var query = new URLSearchParams();
    form.querySelectorAll(".rule-row").forEach(function (row) {
      ["day_type", "start", "end", "end_day"].forEach(function (name) {
        query.append("w_" + name, row.querySelector("[name=w_" + name + "]").value);
      });
    });
    fetch(box.getAttribute("data-preview") + "?" + query.toString(), {credentials: "same-origin"})
      .then(function (response) {
        if (!response.ok || response.redirected) { throw new Error("preview " + response.status); }
        return response.text();
      })
      .then(function (html) { box.querySelector("#preview-body").innerHTML = html; })
      .catch(function () { /* the last preview stays; the server checks on saving */ });
  }

  function watchRow(row, editor) {
    var start = row.querySelector("[data-rule-start]");
    var end = row.querySelector("[data-rule-end]");
    var endDay = row.querySelector("[data-rule-end-day]");
    var follow = function () {
      if (start.value && end.value && end.value <= start.value) { endDay.value = "1"; }
    };
    start.addEventListener("change", follow);
    end.addEventListener("change", follow);
    row.querySelector("[data-rule-remove]").addEventListener("click", function () {
      row.remove();
      previewOf(editor);
    });
  }

  document.querySelectorAll("[data-rules]").forEach(function (editor) {
    var rows = editor.querySelector("[data-rule-rows]");
    var template = editor.querySelector("[data-rule-template]");
    rows.querySelectorAll(".rule-row").forEach(function (row) { watchRow(row, editor); });
    editor.querySelector("[data-rule-add]").addEventListener("click", function () {
      var row = template.content.firstElementChild.cloneNode(true);
      rows.appendChild(row);
      watchRow(row, editor);
      row.querySelector("[data-rule-start]").focus();
    });
    var timer = null;
    editor.addEventListener("change", function () {
      window.clearTimeout(timer);
      timer = window.setTimeout(function () { previewOf(editor); }, 250);
    });
  });

  // -- live tables --------------------------------------------------------------------------

  document.querySelectorAll("[data-refresh]").forEach(function (body) {
    var every = parseInt(body.getAttribute("data-every") || "10", 10) * 1000;
    var stamp = document.getElementById("gates-updated");
    var refresh = function () {
      fetch(body.getAttribute("data-refresh"), {credentials: "same-origin", cache: "no-store"})
        .then(function (response) {
          if (!response.ok || response.redirected) { throw new Error("refresh " + response.status); }
          return response.text();
        })
        .then(function (html) {
          body.innerHTML = html;
          var updated = body.querySelector("[data-updated-at]");
          if (stamp && updated) {
            stamp.textContent = stamp.getAttribute("data-updated") + " " + updated.getAttribute("data-updated-at");
            stamp.classList.remove("stale");
          }
        })
        .catch(function () {
          if (stamp) {
            stamp.textContent = stamp.getAttribute("data-stale");
            stamp.classList.add("stale");
          }
        });
    };
    window.setInterval(refresh, every);
  });
}());

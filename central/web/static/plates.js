// Plate numbers checked as they are typed: the rules of shared/plates.py (GA 36-2018), mirrored.
// tests/central/resident/test_vehicles_browser.py runs this file's check over the same plates
// as the Python rules and expects the same answers. The server checks again (parse_plate).
(function () {
  "use strict";

  var PROVINCES = "京津沪渝冀豫云辽黑湘皖鲁新苏浙赣鄂桂甘晋蒙陕吉闽贵粤青藏川宁琼";
  var P = "[" + PROVINCES + "]";
  var S = "[A-HJ-NP-Z0-9]";  // serial characters: letters without I and O, and digits
  var SUFFIX = { "警": "police", "学": "coach", "挂": "trailer", "港": "hong_kong", "澳": "macau", "领": "consulate" };
  var RULES = [
    ["standard", new RegExp("^" + P + "[A-Z]" + S + "{5}$")],
    ["new_energy", new RegExp("^" + P + "[A-Z][DF]" + S + "[0-9]{4}$")],  // small car: D or F first
    ["new_energy", new RegExp("^" + P + "[A-Z][0-9]{5}[DF]$")],  // large car: D or F last
    ["special", new RegExp("^" + P + "[A-Z]" + S + "{4}[警学挂港澳领]$")],
    ["embassy", /^使[0-9]{6}$/]
  ];
  var SEPARATORS = /[\s.\-_·•・‧∙⋅]+/g;

  function normalise(text) {
    return text.normalize("NFKC").replace(SEPARATORS, "").toUpperCase();
  }

  function kindOf(text) {
    var plate = normalise(text);
    for (var i = 0; i < RULES.length; i++) {
      if (RULES[i][1].test(plate)) {
        return RULES[i][0] === "special" ? SUFFIX[plate.charAt(plate.length - 1)] : RULES[i][0];
      }
    }
    return null;
  }

  // What the two fields make: a full plate typed in the second one (pasted) wins, as on the server.
  function typed(province, rest) {
    var trimmed = rest.trim();
    return (PROVINCES + "使").indexOf(trimmed.charAt(0)) >= 0 ? trimmed : province.trim() + trimmed;
  }

  window.parkingPlates = { normalise: normalise, kindOf: kindOf, typed: typed };

  var province = document.getElementById("province");
  var number = document.getElementById("number");
  var preview = document.getElementById("plate-preview");
  if (!province || !number || !window.parkingForms) { return; }

  window.parkingForms.checks.plate = function () { return kindOf(typed(province.value, number.value)) !== null; };

  function showPreview() {
    var plate = typed(province.value, number.value);
    var kind = kindOf(plate);
    preview.textContent = kind ? preview.getAttribute("data-label") + normalise(plate) + " · " +
      preview.getAttribute("data-kind-" + kind.replace("_", "-")) : "";
  }

  number.addEventListener("input", showPreview);
  province.addEventListener("change", function () {
    showPreview();
    number.dispatchEvent(new Event("input"));  // forms.js checks the pair again
  });
  showPreview();
}());

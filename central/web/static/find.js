// "Use my location": asked only when the resident taps the button, never on page load. The
// position goes to the server as the search's origin (in the address) and is not stored.
(function () {
  "use strict";

  var button = document.getElementById("use-location");
  var status = document.getElementById("location-status");
  if (!button || !status) { return; }
  if (!("geolocation" in navigator)) { button.hidden = true; return; }

  button.addEventListener("click", function () {
    status.textContent = button.getAttribute("data-locating");
    button.disabled = true;
    navigator.geolocation.getCurrentPosition(function (position) {
      var query = new URLSearchParams();
      query.set("lat", position.coords.latitude.toFixed(5));
      query.set("lon", position.coords.longitude.toFixed(5));
      ["window", "max_fee"].forEach(function (name) {
        var field = document.getElementById(name);
        if (field && field.value) { query.set(name, field.value); }
      });
      window.location.assign("/app/find?" + query.toString());
    }, function () {
      status.textContent = button.getAttribute("data-failed");
      button.disabled = false;
    }, { enableHighAccuracy: false, timeout: 15000, maximumAge: 300000 });
  });
}());

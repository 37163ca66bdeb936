// Live updates of the resident app, pushed by the server (central/web/resident_live.py): new reminders
// (shown at the bottom of any page, and added to the reminders list) and, on "my parking", the
// contracts' cards again when they differ from what the page shows (named by their digest). The browser's EventSource reconnects by itself and
// says which notice it saw last.
(function () {
  "use strict";

  var live = document.getElementById("live");
  if (!live || !window.EventSource) { return; }
  var query = live.getAttribute("data-query") || "";
  var source = new EventSource(live.getAttribute("data-url") + (query ? "?" + query : ""));

  function showNotice(notice) {
    var box = document.getElementById("live-notice");
    document.getElementById("live-notice-text").textContent = notice.text;
    box.hidden = false;
    var list = document.getElementById("notices");
    if (list) {
      var item = document.createElement("li");
      item.className = "notice unread notice-" + notice.kind;
      item.id = "notice-" + notice.id;
      var text = document.createElement("p");
      text.className = "notice-text";
      text.textContent = notice.text;
      item.appendChild(text);
      list.insertBefore(item, list.firstChild);
      var empty = document.getElementById("no-notices");
      if (empty) { empty.hidden = true; }
    }
  }

  source.addEventListener("notice", function (event) { showNotice(JSON.parse(event.data)); });
  source.addEventListener("parking", function (event) {
    var cards = document.getElementById("parking-cards");
    var update = JSON.parse(event.data);
    // Markup rendered by our own template engine (escaped), as the page itself was. A reconnected
    // stream still names the cards the page first showed, so the same cards may come again.
    if (cards && cards.getAttribute("data-digest") !== update.digest) {
      cards.innerHTML = update.html;
      cards.setAttribute("data-digest", update.digest);
    }
  });
  source.addEventListener("ended", function () { source.close(); });
  document.getElementById("live-notice-close").addEventListener("click", function () {
    document.getElementById("live-notice").hidden = true;
  });
}());

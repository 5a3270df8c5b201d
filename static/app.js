// kith's pages work without this file. It only makes replying quicker: a
// "Reply" link fills in the post being answered and moves to the reply box
// instead of reloading the page.
(function () {
  "use strict";
  document.addEventListener("click", function (ev) {
    var link = ev.target.closest && ev.target.closest("a[data-reply-to]");
    if (!link) return;
    var field = document.getElementById("reply-to");
    var body = document.getElementById("reply-body");
    var note = document.getElementById("reply-to-note");
    if (!field || !body) return;
    ev.preventDefault();
    field.value = link.getAttribute("data-reply-to");
    if (note) note.textContent = "Replying to " + (link.getAttribute("data-reply-name") || "a post") + ".";
    body.focus();
    body.scrollIntoView({ block: "center" });
  });
})();

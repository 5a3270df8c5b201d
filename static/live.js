// kith's live updates. The pages work without this file; it only brings what
// others do to the page you are reading, over one websocket (GET /api/v1/live):
//   - a thread page (ol[data-live-thread]) gets new replies, edits, hidden
//     posts and a "N people reading" line;
//   - a space page ([data-live-space]) gets new threads and their activity;
//   - the header's notification link ([data-live-me]) gets the unread count.
// It reconnects by itself and asks for what it missed (since = the last seq
// seen per topic); when the server answers "resync", it fetches the page again
// and swaps the affected list. Text goes in with textContent; the only HTML
// inserted is a post's "html", which the server sanitised when it was written.
(function () {
  "use strict";
  if (!window.WebSocket || !window.fetch || !window.DOMParser) return;

  var posts = document.querySelector("ol[data-live-thread]");
  var threads = document.querySelector("[data-live-space]");
  var meLink = document.querySelector("[data-live-me]");
  var me = meLink ? meLink.getAttribute("data-live-me") : "";
  var home = posts || threads; // the page's space, if it shows one
  var spaceSlug = posts ? posts.dataset.liveSpaceSlug : threads ? threads.dataset.liveSpace : "";

  // topics maps each topic to the last seq seen on it (null: none yet).
  var topics = {};
  // Pages say which seq their content reflects, so the first subscription
  // replays exactly what came after the page was read.
  function seqOf(el) { return el.dataset.liveSeq ? Number(el.dataset.liveSeq) : null; }
  if (posts) topics["thread:" + posts.dataset.liveThread] = seqOf(posts);
  if (threads) topics["space:" + threads.dataset.liveSpace] = seqOf(threads);
  if (me) topics.me = null;
  if (!Object.keys(topics).length) return;

  // ---- The connection ----

  var ws = null, attempt = 0, retryTimer = 0;

  function connect() {
    clearTimeout(retryTimer);
    if (ws) return;
    var sock = new WebSocket((location.protocol === "https:" ? "wss://" : "ws://") + location.host + "/api/v1/live");
    ws = sock;
    sock.onopen = function () { Object.keys(topics).forEach(subscribe); };
    sock.onmessage = function (ev) {
      var f;
      try { f = JSON.parse(ev.data); } catch (e) { return; }
      if (f && typeof f === "object") handle(f);
    };
    sock.onclose = function () {
      if (ws !== sock) return;
      ws = null;
      // Exponential backoff with jitter: 0.5-1 s, 1-2 s, ... up to 15-30 s.
      var cap = Math.min(30000, 1000 * Math.pow(2, attempt++));
      retryTimer = setTimeout(connect, cap / 2 + Math.random() * cap / 2);
    };
  }

  function send(msg) {
    if (ws && ws.readyState === WebSocket.OPEN) ws.send(JSON.stringify(msg));
  }

  function subscribe(topic) {
    var msg = { op: "subscribe", topic: topic };
    if (topics[topic] != null) msg.since = topics[topic];
    send(msg);
  }

  // The server may name the "me" topic by the member it stands for.
  function topicOf(f) {
    return /^member:/.test(f.topic || "") ? "me" : f.topic;
  }

  function handle(f) {
    var topic = topicOf(f);
    switch (f.event) {
      case "subscribed":
        attempt = 0;
        // A page without a seq starts from the server's latest; posts or
        // threads that came between rendering it and now are fetched once.
        // (The unread count can wait for the next notification.)
        if (topic in topics && topics[topic] == null) {
          topics[topic] = f.seq || 0;
          if (topic !== "me") refresh(topic);
        }
        return;
      case "resync":
        if (!(topic in topics)) return;
        topics[topic] = null;
        refresh(topic);
        return;
      case "presence":
        if (posts && topic === "thread:" + posts.dataset.liveThread) showPresence(f.data && f.data.readers);
        return;
      case "error":
        // A membership that ended cuts its subscriptions before
        // membership.ended arrives on "me", which decides what comes next.
        // Any other refusal: stop asking for the topic.
        if (f.topic && topic in topics && !(f.data && f.data.code === "not_a_member")) delete topics[topic];
        return;
    }
    if (!(topic in topics)) return;
    if (typeof f.seq === "number") {
      if (topics[topic] != null && f.seq <= topics[topic]) return; // seen already
      topics[topic] = f.seq;
    }
    var d = f.data || {};
    switch (f.event) {
      case "post.created": addPost(d); break;
      case "post.edited": case "post.hidden": updatePost(f.event, d); break;
      case "thread.created": case "thread.updated": putThread(f.event, d); break;
      case "purpose.changed": purposeChanged(d.purpose); break;
      case "notification.created": if (!d.read) addUnread(1); break;
      case "membership.ended": membershipEnded(d); break;
    }
  }

  // ---- Small helpers ----

  function el(tag, cls, text) {
    var e = document.createElement(tag);
    if (cls) e.className = cls;
    if (text != null) e.textContent = text;
    return e;
  }

  function link(cls, href, text) {
    var a = el("a", cls, text);
    a.setAttribute("href", href);
    return a;
  }

  function plural(n, one, many) { return n + " " + (n === 1 ? one : many); }

  function initial(name) {
    var s = (name || "").trim();
    return s ? Array.from(s)[0].toUpperCase() : "?";
  }

  // A <time> as the templates write it: RFC 3339 in UTC, shown as "3 minutes ago".
  function timeEl(iso) {
    var when = new Date(iso);
    if (isNaN(when)) when = new Date();
    var t = el("time", "", ago(when));
    t.setAttribute("datetime", when.toISOString().replace(/\.\d+Z$/, "Z"));
    return t;
  }

  function ago(when) {
    var s = Math.max(0, Math.round((Date.now() - when) / 1000));
    if (s < 1) return "now";
    var units = [[60, "second"], [60, "minute"], [24, "hour"], [Infinity, "day"]];
    for (var i = 0; i < units.length; i++) {
      if (s < units[i][0] || i === units.length - 1) return plural(s, units[i][1], units[i][1] + "s") + " ago";
      s = Math.floor(s / units[i][0]);
    }
  }

  function inView(node) {
    if (!node) return false;
    var r = node.getBoundingClientRect();
    return r.bottom > 0 && r.top < window.innerHeight;
  }

  var announcer = document.getElementById("live-announce");
  function announce(text) {
    if (!announcer) return;
    announcer.textContent = "";
    requestAnimationFrame(function () { announcer.textContent = text; });
  }

  function mine(author) { return !!(me && author && String(author.id) === me); }

  // ---- A page fetched again: after "resync", and once after subscribing ----

  var stale = {}, refreshTimer = 0;

  function refresh(topic) {
    stale[topic] = true;
    clearTimeout(refreshTimer);
    refreshTimer = setTimeout(function () {
      var which = stale;
      stale = {};
      fetch(location.pathname + location.search, { credentials: "same-origin", headers: { Accept: "text/html" } })
        .then(function (r) { return r.ok ? r.text() : Promise.reject(new Error("status " + r.status)); })
        .then(function (html) {
          var doc = new DOMParser().parseFromString(html, "text/html");
          Object.keys(which).forEach(function (t) {
            if (t === "me") swapUnread(doc);
            else if (t.indexOf("thread:") === 0) mergePosts(doc);
            else if (t.indexOf("space:") === 0) swapThreads(doc);
          });
        })
        .catch(function () { /* the next event or reconnect tries again */ });
    }, 150);
  }

  // ---- Thread page ----

  function addPost(d) {
    if (!posts || String(d.thread_id) !== posts.dataset.liveThread) return;
    if (document.getElementById("p" + d.id)) return; // on the page already (your own reply, say)
    if (posts.hasAttribute("data-live-more")) return; // later pages hold new replies
    placePost(postElement(d), d.id, d.author);
  }

  // placePost inserts a post in id order and tells the reader about it.
  function placePost(li, id, author) {
    var seen = inView(posts.querySelector("li.post:last-of-type")) || inView(document.getElementById("reply"));
    var after = null;
    posts.querySelectorAll("li.post").forEach(function (p) {
      if (Number(p.id.slice(1)) < id) after = p;
    });
    if (after) after.after(li);
    else posts.prepend(li);
    var count = document.querySelector("[data-live-post-count]");
    if (count) {
      var n = Number(count.dataset.livePostCount) + 1;
      count.dataset.livePostCount = n;
      count.textContent = plural(n, "post", "posts");
    }
    if (mine(author)) return;
    li.classList.add("live-fresh");
    announce("New reply from " + (author ? author.name : "a former member") + ".");
    if (!seen) markUnseen(li);
  }

  // postElement mirrors the markup of views/pages/thread.html.
  function postElement(d) {
    var li = el("li", "post card");
    li.id = "p" + d.id;
    var head = el("header", "post-head");
    var name = d.author ? d.author.name : "";
    var avatar = el("span", "avatar", initial(name));
    avatar.setAttribute("aria-hidden", "true");
    head.append(avatar, d.author ? link("author", "/m/" + d.author.id, name) : el("span", "author", "a former member"));
    if (d.reply_to_post_id) {
      var to = document.querySelector("#p" + d.reply_to_post_id + " a.author");
      var rt = el("span", "meta", "replying to ");
      rt.append(link("", "#p" + d.reply_to_post_id, to ? to.textContent : "a post"));
      head.append(rt);
    }
    var perma = link("meta permalink", "#p" + d.id);
    perma.append(timeEl(d.created_at));
    head.append(perma);
    if (d.edited_at) head.append(editedLink(d.id));
    var prose = el("div", "prose");
    setProse(prose, d);
    var actions = el("footer", "post-actions");
    if (posts.hasAttribute("data-live-can-post")) {
      var reply = link("", "/t/" + posts.dataset.liveThread + "?reply_to=" + d.id + "#reply", "Reply");
      reply.dataset.replyTo = d.id;
      reply.dataset.replyName = name;
      actions.append(reply);
    }
    // The same rule as the page's: the author or a steward, while a member.
    // The server decides again when the edit is sent.
    if (posts.hasAttribute("data-live-member") && (mine(d.author) || posts.hasAttribute("data-live-steward"))) {
      actions.append(link("", "/p/" + d.id + "/edit", "Edit"));
    }
    li.append(head, prose, actions);
    return li;
  }

  function editedLink(id) {
    var a = link("meta", "/p/" + id + "/history", "edited");
    a.title = "See earlier versions";
    return a;
  }

  function setProse(prose, d) {
    if (d.hidden) prose.replaceChildren(el("p", "meta", "This post is hidden."));
    else prose.innerHTML = d.html || ""; // sanitised by the server (bluemonday) when written
  }

  function updatePost(event, d) {
    var li = posts && document.getElementById("p" + d.id);
    if (!li || !posts.contains(li)) return;
    if (event === "post.hidden") d.hidden = true;
    setProse(li.querySelector(".prose"), d);
    var head = li.querySelector(".post-head");
    if (event === "post.edited" && !head.querySelector('a[href$="/history"]')) head.append(editedLink(d.id));
  }

  // mergePosts brings the page's posts up to date from a fetched copy:
  // new posts are inserted, changed ones get their new text.
  function mergePosts(doc) {
    var fresh = doc.querySelector("ol[data-live-thread]");
    if (!posts || !fresh) return;
    fresh.querySelectorAll("li.post").forEach(function (li) {
      var cur = document.getElementById(li.id);
      if (!cur) {
        var a = li.querySelector("a.author");
        var author = a ? { id: a.getAttribute("href").replace("/m/", ""), name: a.textContent } : null;
        placePost(document.adoptNode(li), Number(li.id.slice(1)), author);
        return;
      }
      var prose = cur.querySelector(".prose"), newProse = li.querySelector(".prose");
      if (prose && newProse && prose.innerHTML !== newProse.innerHTML) prose.innerHTML = newProse.innerHTML;
      var edited = li.querySelector('.post-head a[href$="/history"]');
      if (edited && !cur.querySelector('.post-head a[href$="/history"]')) cur.querySelector(".post-head").append(document.adoptNode(edited));
    });
    var count = doc.querySelector("[data-live-post-count]"), mineCount = document.querySelector("[data-live-post-count]");
    if (count && mineCount) {
      mineCount.dataset.livePostCount = count.dataset.livePostCount;
      mineCount.textContent = count.textContent;
    }
  }

  // The quiet "N new replies" marker, for a reader who has scrolled up.
  var marker = null, unseen = [];

  function markUnseen(li) {
    unseen.push(li);
    if (!marker) {
      marker = el("button", "button small live-new");
      marker.type = "button";
      marker.addEventListener("click", function () {
        var first = unseen[0];
        clearUnseen();
        if (!first) return;
        var still = matchMedia("(prefers-reduced-motion: reduce)").matches;
        first.scrollIntoView({ block: "start", behavior: still ? "auto" : "smooth" });
        first.tabIndex = -1;
        first.focus({ preventScroll: true });
      });
      posts.after(marker);
      window.addEventListener("scroll", onScroll, { passive: true });
    }
    marker.textContent = plural(unseen.length, "new reply", "new replies") + " ↓";
    marker.classList.add("is-shown");
  }

  function clearUnseen() {
    unseen = [];
    if (marker) marker.classList.remove("is-shown");
  }

  var scrollQueued = false;
  function onScroll() {
    if (scrollQueued || !unseen.length) return;
    scrollQueued = true;
    requestAnimationFrame(function () {
      scrollQueued = false;
      if (unseen.length && inView(unseen[0])) clearUnseen();
    });
  }

  var presence = document.getElementById("live-presence");
  function showPresence(n) {
    if (!presence) return;
    var text = n > 1 ? n + " people reading" : ""; // alone, there is nothing to say
    if (presence.textContent !== text) presence.textContent = text;
  }

  // ---- Space page ----

  function putThread(event, d) {
    if (!threads) return;
    var firstPage = !/[?&]cursor=/.test(location.search);
    var title = threads.querySelector('a.title[href="/t/' + d.id + '"]');
    var old = title && title.closest("li");
    var author = d.author;
    if (!author && old) author = { name: authorOf(old) }; // thread.updated names no author
    if (!old && event === "thread.updated") {
      if (firstPage) refresh("space:" + threads.dataset.liveSpace); // an older thread came back to life
      return;
    }
    if (!old && !firstPage) return;
    var row = threadRow(d, author);
    if (old && !firstPage) { old.replaceWith(row); return; }
    if (old) old.remove();
    var list = threads.querySelector("ul.threads");
    if (!list) {
      list = el("ul", "threads");
      var empty = threads.querySelector(".empty");
      if (empty) empty.replaceWith(list);
      else threads.prepend(list);
    }
    list.prepend(row);
    if (event === "thread.created" && !mine(d.author)) announce("New thread: " + d.title);
  }

  function authorOf(row) {
    var meta = row.querySelector(".meta");
    var m = meta && /^([\s\S]*) · \d+ posts? · active\s*$/.exec(meta.firstChild ? meta.firstChild.textContent : "");
    return m ? m[1] : "";
  }

  // threadRow mirrors the "threadrow" template in views/partials/forms.html.
  function threadRow(d, author) {
    var li = el("li", "thread-row");
    var a = link("title", "/t/" + d.id);
    if (d.kind === "question") a.append(el("span", "tag q", "Question"), " ");
    a.append(d.title);
    var name = author && author.name ? author.name : "a former member";
    var meta = el("span", "meta", name + " · " + plural(d.post_count, "post", "posts") + " · active ");
    meta.append(timeEl(d.last_posted_at));
    li.append(a, meta);
    return li;
  }

  function swapThreads(doc) {
    var fresh = doc.querySelector("[data-live-space]");
    if (threads && fresh) threads.replaceChildren.apply(threads, Array.from(fresh.childNodes));
  }

  function purposeChanged(p) {
    if (!threads || !p) return;
    var text = document.querySelector(".purpose .purpose-text");
    if (text) text.textContent = p.text;
    var version = document.querySelector("#purpose-title .meta");
    if (version) version.textContent = "version " + p.version;
    // Whoever was about to affirm the purpose affirms the new one, afresh.
    document.querySelectorAll("input[name=affirm_purpose_version]").forEach(function (i) { i.value = p.version; });
    document.querySelectorAll("input[name=affirm]").forEach(function (i) { i.checked = false; });
    announce("The purpose of this space changed.");
  }

  // ---- Header and membership ----

  function addUnread(n) {
    if (!meLink) return;
    var badge = meLink.querySelector(".count");
    var count = (badge ? parseInt(badge.textContent, 10) || 0 : 0) + n;
    if (!badge) {
      badge = el("span", "count");
      meLink.append(" ", badge);
    }
    badge.textContent = count;
    badge.setAttribute("aria-label", count + " unread");
    announce("New notification.");
  }

  function swapUnread(doc) {
    var fresh = doc.querySelector("[data-live-me]");
    if (!meLink || !fresh) return;
    var badge = meLink.querySelector(".count"), newBadge = fresh.querySelector(".count");
    if (badge) badge.remove();
    if (newBadge) meLink.append(document.adoptNode(newBadge));
  }

  function membershipEnded(d) {
    var slug = d.space && d.space.slug;
    if (!home || !slug || slug !== spaceSlug) return;
    if (home.dataset.liveVisibility !== "open") {
      location.reload(); // the page now shows how to join, not the threads
      return;
    }
    // An open space stays readable: subscribe again, as a reader, to what
    // the server has just cut.
    Object.keys(topics).forEach(function (t) { if (t !== "me") subscribe(t); });
  }

  window.addEventListener("online", function () { attempt = 0; connect(); });
  window.addEventListener("pageshow", function (e) { if (e.persisted) connect(); });
  connect();
})();

// The homepage's behaviour: account, pitching (and editing one's own talks), voting, per-visitor
// order, live counts and phase changes.
// Every action is a POST with a JSON body; the login lives in an HttpOnly cookie that this
// script never sees. Text from the server is only ever written with textContent.
"use strict";

(() => {
  const POLL_MS = 3000;
  const page = {
    phase: document.body.dataset.phase,
    showCounts: document.body.dataset.showCounts === "true",
  };
  const $ = (id) => document.getElementById(id);
  const list = $("talks");
  // The talk cards: the list also holds the results' cutoff line.
  const talkItems = () => [...list.querySelectorAll("li.talk")];
  const state = {
    me: null,            // {name, votes: Set of talk ids, talks: [own pitches]} when logged in
    phase: page.phase,   // the phase the server last reported
    etag: null,          // of the last talk list, for If-None-Match
    votes: new Map(),    // talk id -> {confirmed, desired, busy}: what the server has, what the visitor wants
  };

  // ---- Talking to the API -------------------------------------------------------------

  async function request(path, options) {
    let response;
    try {
      response = await fetch(path, { credentials: "same-origin", cache: "no-store", ...options });
    } catch {
      throw new Error("Could not reach the server. Check your connection and try again.");
    }
    const reply = response.status === 304 ? null : await response.json().catch(() => ({}));
    if (!response.ok && response.status !== 304) {
      const error = new Error((reply && reply.text) || `The server answered ${response.status}. Please try again.`);
      error.status = response.status;
      error.field = reply && reply.field;  // the input at fault, when one is
      throw error;
    }
    return { response, reply };
  }

  async function post(path, fields) {
    const { reply } = await request(path, {
      method: "POST",
      headers: { "Content-Type": "application/json", Accept: "application/json" },
      // The browser's random id (not a tracking fingerprint) lets organizers spot many accounts
      // registered and voting from one browser.
      body: JSON.stringify({ fingerprint: visitorSeed(), ...fields }),
    });
    return reply;
  }

  // ---- Forms: inline errors next to the field that caused them ------------------------

  function clearErrors(form) {
    for (const input of form.querySelectorAll("[aria-invalid]")) input.removeAttribute("aria-invalid");
    for (const message of form.querySelectorAll(".field-error")) message.textContent = "";
    setStatus(form.querySelector(".form-status"), "");
  }

  function setStatus(element, text, kind) {
    element.textContent = text;
    element.classList.toggle("is-error", kind === "error");
    element.classList.toggle("is-success", kind === "success");
  }

  // `fix`, if given, is {text, act}: a button after the message that does what it says.
  function fieldError(input, text, fix) {
    input.setAttribute("aria-invalid", "true");
    const message = $(`${input.id}-error`);
    message.textContent = text;
    if (fix) {
      const button = document.createElement("button");
      button.type = "button";
      button.className = "button-link";
      button.textContent = fix.text;
      button.addEventListener("click", fix.act);
      message.append(" ", button);
    }
  }

  // The API names the input at fault in `field`: show the text next to it, else under the form.
  function showError(form, error, fix) {
    const input = error.field && form.elements[error.field];
    if (input && !input.closest("[hidden]")) {
      fieldError(input, error.message, fix);
      input.focus();
    } else {
      setStatus(form.querySelector(".form-status"), error.message, "error");
    }
  }

  // Checks the browser can make before asking the server; returns whether all passed.
  function check(form, rules) {
    let first = null;
    for (const [name, test, text] of rules) {
      const input = form.elements[name];
      if (!input.closest("[hidden]") && !test(input.value)) {
        fieldError(input, text);
        first = first || input;
      }
    }
    if (first) first.focus();
    return !first;
  }

  // `explain(error)` may return {text, fix} to say what to do instead of the server's words.
  async function submitting(form, action, explain = () => null) {
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      const better = explain(error);
      showError(form, better ? Object.assign(error, { message: better.text }) : error, better && better.fix);
    } finally {
      button.disabled = !!document.body.dataset.stale;
    }
  }

  // ---- Account --------------------------------------------------------------------------

  const accountForm = $("account-form");

  function setAccountMode(mode) {
    const registering = mode === "register";
    accountForm.dataset.mode = mode;
    $("account-name-field").hidden = !registering;
    $("account-submit").textContent = registering ? "Create my account" : "Log in";
    $("account-switch").textContent = registering ? "I already have an account" : "New here? Create an account";
    $("account-intro").textContent = registering ? "Create an account to pitch and vote." : "Log in to pitch and vote.";
    $("account-password").autocomplete = registering ? "new-password" : "current-password";
    clearErrors(accountForm);
  }

  // Switching keeps what was typed, so "Log in instead" or "Create one" costs no retyping.
  function switchAccountMode(mode, focus) {
    setAccountMode(mode);
    $(focus || (mode === "register" ? "account-name" : "account-email")).focus();
  }

  $("account-switch").addEventListener("click", () => {
    switchAccountMode(accountForm.dataset.mode === "login" ? "register" : "login");
  });

  // The login form opens in place, under its button, rather than standing above the list.
  function openAccountForm(open) {
    accountForm.hidden = !open;
    $("login-open").setAttribute("aria-expanded", String(open));
    if (open) $("account-email").focus();
  }

  $("login-open").addEventListener("click", () => openAccountForm(accountForm.hidden));

  // What an account error means for the visitor, by its status and field, not its wording.
  function explainAccountError(error) {
    const mode = accountForm.dataset.mode;
    // A failed login does not say whether the email has an account (the server will not tell), so both fixes.
    if (mode === "login" && error.status === 401) {
      return {
        text: "Wrong password, or no account with this email.",
        fix: { text: "Create an account", act: () => switchAccountMode("register") },
      };
    }
    if (mode === "register" && [401, 409].includes(error.status) && error.field === "email") {
      return {
        text: "This email already has an account.",
        fix: { text: "Log in instead", act: () => switchAccountMode("login", "account-password") },
      };
    }
    return null;
  }

  accountForm.addEventListener("submit", (event) => {
    event.preventDefault();
    clearErrors(accountForm);
    const registering = accountForm.dataset.mode === "register";
    const ok = check(accountForm, [
      ["name", (v) => v.trim() !== "", "Please give your name."],
      ["email", (v) => /^\S+@\S+$/.test(v.trim()), "Please give your email address, like ada@example.org."],
      ["password", (v) => v.length >= 8, "Passwords are at least 8 characters."],
    ]);
    if (!ok) return;
    const fields = { email: accountForm.elements.email.value.trim(), password: accountForm.elements.password.value };
    if (registering) fields.name = accountForm.elements.name.value.trim();
    if (linkLogin) delete fields.password;
    submitting(accountForm, async () => {
      const reply = await post("/api/user/action/", fields);
      if (reply.action === "link") {  // LT_LOGIN=link: the mailed link signs in (see Account mail)
        setStatus($("account-status"), reply.text, "success");
        return;
      }
      accountForm.reset();
      setAccountMode("login");
      await loadMe();
      $("signed-in-text").focus();
    }, explainAccountError);
  });

  $("logout").addEventListener("click", async () => {
    const status = $("logout-status");
    setStatus(status, "");
    try {
      await post("/api/user/action/", { logout: 1 });
    } catch (error) {
      setStatus(status, error.message, "error");
      return;
    }
    setMe(null);
    $("login-open").focus();
  });

  // The login cookie is HttpOnly; its readable twin `lt_in` says whether there is one to ask about,
  // so a visitor who never logged in costs no request (and no 401 in the console).
  const hinted = () => document.cookie.split("; ").includes("lt_in=1");

  async function loadMe() {
    if (!hinted()) {
      setMe(null);
      return;
    }
    try {
      const { reply } = await request("/api/user/me");
      setMe({ name: reply.name, votes: new Set(reply.votes), talks: reply.talks, verified: reply.verified !== false });
    } catch (error) {
      if (error.status === 401) document.cookie = "lt_in=; Max-Age=0; path=/; SameSite=Strict";
      setMe(null);
    }
  }

  function setMe(me) {
    state.me = me;
    document.body.dataset.me = me ? "in" : "out";
    $("me-pending").hidden = true;
    $("signed-in").hidden = !me;
    $("signed-out").hidden = !!me;
    if (me) openAccountForm(false);
    $("me-name").textContent = me ? me.name : "";
    if ($("pitch")) $("pitch").hidden = !me;
    showMyPitches(me ? me.talks : []);
    showAccountMail(me);
    state.votes.clear();
    for (const item of talkItems()) {
      const voted = !!me && me.votes.has(item.dataset.id);
      state.votes.set(item.dataset.id, { confirmed: voted, desired: voted, busy: false });
      renderVote(item);
      renderOwn(item);
    }
    renderStatus();
  }

  function showMyPitches(talks) {
    const items = talks.map((talk) => {
      const item = document.createElement("li");
      const link = document.createElement("a");
      link.href = `#title-${talk._id}`;
      link.textContent = talk.title;
      item.append(link);
      return item;
    });
    $("my-pitch-list").replaceChildren(...items);
    $("my-pitches").hidden = items.length === 0;
    const summary = $("my-pitches-link");
    summary.hidden = items.length === 0;
    summary.textContent = `Your pitches (${items.length})`;
  }

  function makeBadge(kind, text) {
    const badge = document.createElement("p");
    badge.className = `badge ${kind}`;
    badge.textContent = text;
    return badge;
  }

  // "Your talk" on the visitor's own cards, with Edit and Withdraw while pitching is open.
  function renderOwn(item) {
    const own = state.me && state.me.talks.find((talk) => talk._id === item.dataset.id);
    item.classList.toggle("is-own", !!own);
    const present = item.querySelector(".own");
    if (!own) {
      if (present) present.remove();
      return;
    }
    const box = present || document.createElement("div");
    if (!present) {
      box.className = "own";
      box.append(makeBadge("badge-own", "Your talk"));
      if (page.phase === "pitching") {
        for (const [cls, text] of [["own-edit", "Edit"], ["own-withdraw", "Withdraw"]]) {
          const button = document.createElement("button");
          button.type = "button";
          button.className = `button-link ${cls}`;
          button.textContent = text;
          box.append(button);
        }
      }
      item.querySelector(".talk-actions").append(box);
    }
    for (const button of box.querySelectorAll("button")) {
      button.setAttribute("aria-label", `${button.textContent} “${own.title}”`);
    }
  }

  // One line under the event's name: the phase, its date (in the visitor's time zone) and the visitor's part.
  function renderStatus() {
    const me = state.me;
    let text = "";
    if (me && page.phase !== "pitching") {
      const total = talkItems().length;
      text = page.phase === "voting" ? ` · you voted for ${me.votes.size} of ${total}` : ` · you voted for ${me.votes.size}`;
    }
    $("phase-me").textContent = text;
    const intro = $("results-intro");
    if (intro) {  // thanks only for those who voted; the header already says voting has closed
      intro.hidden = !(me && me.votes.size);
      intro.textContent = intro.hidden ? "" : "Thank you for voting! Your votes are marked.";
    }
  }

  // ---- Pitching -------------------------------------------------------------------------

  const pitchForm = $("pitch-form");

  function updateCounter(input) {
    const counter = $(`${input.id}-counter`);
    const left = Number(counter.dataset.max) - input.value.length;
    counter.textContent = `${left} ${left === 1 ? "character" : "characters"} left`;
    counter.classList.toggle("is-near", left <= Number(counter.dataset.max) / 10);
  }

  // The same form pitches a new talk or, with data-editing set to a talk's id, edits that one.
  function setEditing(talk) {
    if (talk) pitchForm.dataset.editing = talk._id;
    else delete pitchForm.dataset.editing;
    pitchForm.reset();
    clearErrors(pitchForm);
    pitchForm.elements.title.value = talk ? talk.title : "";
    pitchForm.elements.description.value = talk ? talk.description : "";
    for (const input of [pitchForm.elements.title, pitchForm.elements.description]) updateCounter(input);
    $("pitch-heading").textContent = talk ? "Edit your talk" : "Pitch a talk";
    $("pitch-submit").textContent = talk ? "Save changes" : "Send my pitch";
    $("pitch-cancel").hidden = !talk;
  }

  if (pitchForm) {
    for (const input of [pitchForm.elements.title, pitchForm.elements.description]) {
      input.addEventListener("input", () => updateCounter(input));
    }
    $("pitch-cancel").addEventListener("click", () => setEditing(null));
    pitchForm.addEventListener("submit", (event) => {
      event.preventDefault();
      clearErrors(pitchForm);
      const ok = check(pitchForm, [
        ["title", (v) => v.trim() !== "", "Please give your talk a title."],
        ["description", (v) => v.trim() !== "", "Please say in a few lines what the talk is about."],
      ]);
      if (!ok) return;
      const fields = { title: pitchForm.elements.title.value.trim(), description: pitchForm.elements.description.value.trim() };
      const editing = pitchForm.dataset.editing;
      if (editing) Object.assign(fields, { action: "update", session: editing });
      submitting(pitchForm, async () => {
        await post("/api/session/action/", fields);
        setEditing(null);
        setStatus($("pitch-status"), editing
          ? `Saved: “${fields.title}”.`
          : `Thank you! “${fields.title}” is in. It is listed under Your pitches.`, "success");
        await loadMe();
        poll();
      });
    });
  }

  // Edit and Withdraw on the visitor's own cards.
  list.addEventListener("click", async (event) => {
    const button = event.target.closest(".own-edit, .own-withdraw");
    if (!button || !state.me) return;
    const item = button.closest(".talk");
    const talk = state.me.talks.find((own) => own._id === item.dataset.id);
    if (!talk) return;
    if (button.classList.contains("own-edit")) {
      setEditing(talk);
      pitchForm.elements.title.focus();
      return;
    }
    if (!window.confirm(`Withdraw “${talk.title}”? It leaves the list for good.`)) return;
    try {
      await post("/api/session/action/", { action: "withdraw", session: talk._id });
    } catch (error) {
      talkMessage(item, `Not withdrawn: ${error.message}`);
      return;
    }
    if (pitchForm.dataset.editing === talk._id) setEditing(null);
    setStatus($("pitch-status"), `“${talk.title}” is withdrawn.`, "success");
    await loadMe();
    poll();
  });

  // ---- Voting: optimistic, one request in flight per talk, set-form vote=1/0 -------------

  function itemFor(talkId) {
    return talkItems().find((item) => item.dataset.id === talkId);
  }

  // While voting, each card gets its button here, not in the baked page: it needs this script, and
  // made only once the visitor is known it never shows a wrong state (and fifty cost no bytes).
  function addVoteButton(item) {
    const template = $("vote-template");
    if (!template) return null;
    const button = template.content.firstElementChild.cloneNode(true);
    button.querySelector(".visually-hidden").textContent = `Vote for ${item.querySelector(".talk-title").textContent}`;
    button.disabled = !!document.body.dataset.stale;
    item.querySelector(".talk-actions").append(button);
    return button;
  }

  // Voting: the button's state. Results: a "Your vote" mark on the talks the visitor voted for.
  function renderVote(item) {
    const vote = state.votes.get(item.dataset.id);
    if (!vote) return;
    item.classList.toggle("is-voted", vote.desired);
    const button = item.querySelector(".vote") || addVoteButton(item);
    if (button) {
      button.setAttribute("aria-pressed", String(vote.desired));
      button.querySelector(".vote-label").textContent = vote.desired ? "Voted" : "Vote";
    } else if (page.phase === "closed") {
      const mark = item.querySelector(".badge-voted");
      if (vote.desired && !mark) {
        item.querySelector(".talk-actions").prepend(makeBadge("badge-voted", "Your vote"));
      } else if (!vote.desired && mark) {
        mark.remove();
      }
    }
    renderCount(item);
  }

  function renderCount(item) {
    const number = item.querySelector(".count-number");
    if (!number || item.dataset.votes === undefined) return;
    const vote = state.votes.get(item.dataset.id);
    const shown = Number(item.dataset.votes) + (vote ? Number(vote.desired) - Number(vote.confirmed) : 0);
    number.textContent = String(shown);
    item.querySelector(".count-unit").textContent = shown === 1 ? "vote" : "votes";
  }

  function talkMessage(item, text, link) {
    const message = item.querySelector(".talk-message");
    message.classList.toggle("is-error", !!text);
    message.replaceChildren(text);
    if (link) {
      const anchor = document.createElement("a");
      anchor.href = link.href;
      anchor.textContent = link.text;
      anchor.addEventListener("click", (event) => {
        event.preventDefault();
        openAccountForm(true);  // opens the form and puts the cursor in the email field
      });
      message.append(" ", anchor);
    }
  }

  list.addEventListener("click", (event) => {
    const button = event.target.closest("button.vote");
    if (!button) return;
    const item = button.closest(".talk");
    if (!state.me) {
      talkMessage(item, "Log in to vote.", { href: "#account", text: "Go to the login form" });
      return;
    }
    if (document.body.dataset.stale) return;
    const vote = state.votes.get(item.dataset.id);
    vote.desired = !vote.desired;
    talkMessage(item, "");
    renderVote(item);
    if (!vote.busy) sync(item.dataset.id);
  });

  // Sends the visitor's latest wish until the server agrees; a double click therefore ends
  // with the server holding exactly what the button shows.
  async function sync(talkId) {
    const vote = state.votes.get(talkId);
    vote.busy = true;
    while (vote.desired !== vote.confirmed) {
      const want = vote.desired;
      try {
        const reply = await post("/api/vote/action/", { session: talkId, vote: want ? 1 : 0 });
        vote.confirmed = reply.action === "create vote";
        const item = itemFor(talkId);
        if (item && typeof reply.votes === "number") item.dataset.votes = String(reply.votes);
        if (vote.confirmed !== want) vote.desired = vote.confirmed;
      } catch (error) {
        vote.desired = vote.confirmed;
        const item = itemFor(talkId);
        if (item) talkMessage(item, `Your vote was not saved: ${error.message}`);
      }
      if (state.me) {
        if (vote.confirmed) state.me.votes.add(talkId);
        else state.me.votes.delete(talkId);
      }
    }
    vote.busy = false;
    const item = itemFor(talkId);
    if (item) renderVote(item);
    renderStatus();
  }

  // ---- Order: a stable shuffle per visitor, or alphabetical, newest, most votes -----------

  function visitorSeed() {
    const random = () => [...crypto.getRandomValues(new Uint32Array(4))].map((n) => n.toString(16)).join("");
    try {
      let seed = localStorage.getItem("lt-visitor");
      if (!seed) {
        seed = random();
        localStorage.setItem("lt-visitor", seed);
      }
      return seed;
    } catch {
      return random();  // Storage is blocked: shuffle for this visit only.
    }
  }

  // FNV-1a with a final avalanche (from MurmurHash3), enough to scatter similar ids.
  function hash(text) {
    let h = 0x811c9dc5;
    for (let i = 0; i < text.length; i++) {
      h ^= text.charCodeAt(i);
      h = Math.imul(h, 0x01000193);
    }
    h ^= h >>> 16;
    h = Math.imul(h, 0x85ebca6b);
    h ^= h >>> 13;
    h = Math.imul(h, 0xc2b2ae35);
    h ^= h >>> 16;
    return h >>> 0;
  }

  const seed = visitorSeed();
  const orderSelect = $("order");
  const titleOf = (item) => item.querySelector(".talk-title").textContent;
  const ORDERS = {
    shuffle: (a, b) => hash(seed + a.dataset.id) - hash(seed + b.dataset.id),
    alpha: (a, b) => titleOf(a).localeCompare(titleOf(b), undefined, { sensitivity: "base" }),
    newest: (a, b) => (a.dataset.created < b.dataset.created ? 1 : a.dataset.created > b.dataset.created ? -1 : 0),
    votes: (a, b) => Number(b.dataset.votes) - Number(a.dataset.votes),
    // Results: the talks on stage first, then most votes.
    results: (a, b) => (b.classList.contains("is-accepted") - a.classList.contains("is-accepted"))
      || Number(b.dataset.votes) - Number(a.dataset.votes),
  };

  function compare(a, b) {
    return ORDERS[orderSelect.value](a, b) || (a.dataset.id < b.dataset.id ? -1 : 1);
  }

  // Moving a focused element drops its focus, so put it back.
  function keepingFocus(change) {
    const focused = list.contains(document.activeElement) ? document.activeElement : null;
    change();
    if (focused && document.activeElement !== focused) focused.focus({ preventScroll: true });
  }

  function sortTalks() {
    keepingFocus(() => list.append(...talkItems().sort(compare)));
    placeCutoff();
  }

  // The results' line: after the talks on stage once organizers chose them, else after the top N.
  function placeCutoff() {
    const line = $("cutoff") || document.createElement("li");
    line.id = "cutoff";
    line.className = "cutoff";
    const items = talkItems();
    const onStage = items.filter((item) => item.classList.contains("is-accepted")).length;
    const topN = Number(list.dataset.topN);
    const votesAt = (i) => Number(items[i].dataset.votes);
    let at = onStage;
    if (!onStage) for (at = Math.min(topN, items.length); at < items.length && votesAt(at) === votesAt(at - 1); at++);
    if (orderSelect.value !== "results" || at === 0 || at >= items.length) {
      line.remove();
      return;
    }
    line.textContent = onStage ? "Not on stage this time" : `Top ${topN} by votes above this line`;
    list.insertBefore(line, items[at]);
  }

  orderSelect.addEventListener("change", sortTalks);

  // ---- Live list: poll with If-None-Match, paused while the tab is hidden ----------------

  function makeItem(talk) {
    const item = $("talk-template").content.firstElementChild.cloneNode(true);
    item.dataset.id = talk._id;
    item.dataset.created = talk.created_at;
    item.querySelector(".talk-title").id = `title-${talk._id}`;
    const voted = !!state.me && state.me.votes.has(talk._id);
    state.votes.set(talk._id, { confirmed: voted, desired: voted, busy: false });
    return item;
  }

  // Also after a speaker edits their talk: the texts are set whenever they differ.
  function updateItem(item, talk) {
    const texts = [[".talk-title", talk.title], [".speaker", talk.speaker], [".talk-description", talk.description],
      [".vote .visually-hidden", `Vote for ${talk.title}`]];
    for (const [selector, text] of texts) {
      const element = item.querySelector(selector);
      if (element && element.textContent !== text) element.textContent = text;
    }
    const vote = state.votes.get(talk._id);
    if (typeof talk.votes === "number" && !(vote && vote.busy)) item.dataset.votes = String(talk.votes);
    item.classList.toggle("is-accepted", !!talk.accepted);
    const badge = item.querySelector(".badge-accepted");
    if (page.phase === "closed" && talk.accepted && !badge) {  // organizers chose it after the bake
      item.querySelector(".talk-actions").prepend(makeBadge("badge-accepted", "On stage"));
    } else if (!talk.accepted && badge) {
      badge.remove();
    }
    renderVote(item);
    renderOwn(item);
  }

  function applyList(reply) {
    if (reply.phase !== state.phase) changePhase(reply.phase);
    const current = new Map(talkItems().map((item) => [item.dataset.id, item]));
    const seen = new Set();
    keepingFocus(() => {
      for (const talk of reply.sessions) {
        seen.add(talk._id);
        let item = current.get(talk._id);
        if (!item) {
          item = makeItem(talk);
          const before = talkItems().find((other) => compare(item, other) < 0);
          list.insertBefore(item, before || null);
        }
        updateItem(item, talk);
      }
      for (const [talkId, item] of current) {
        if (!seen.has(talkId)) {
          item.remove();
          state.votes.delete(talkId);
        }
      }
    });
    if (page.phase === "closed") sortTalks();  // organizers may still choose who is on stage
    const total = talkItems().length;
    $("talk-total").textContent = String(total);
    $("no-talks").hidden = total > 0;
    renderStatus();
  }

  const PHASE_TEXT = {
    pitching: "Pitching is open again.",
    voting: "Voting is open now!",
    closed: "Voting has closed: the results are in.",
  };

  // The page was made for another phase: say so in a notice that stays on screen, and switch off
  // what no longer works at once rather than letting a click fail.
  function changePhase(phase) {
    state.phase = phase;
    const stale = phase !== page.phase;
    document.body.dataset.stale = stale ? "true" : "";
    for (const button of document.querySelectorAll(".vote, .own-edit, .own-withdraw, #pitch-submit")) {
      button.disabled = stale;
    }
    $("phase-notice-text").textContent = PHASE_TEXT[phase] || "The page has changed.";
    $("phase-notice").hidden = !stale;
  }

  $("phase-reload").addEventListener("click", () => window.location.reload());

  let timer = null;
  let polling = false;

  async function poll() {
    clearTimeout(timer);
    timer = null;
    if (polling || document.hidden) return;
    polling = true;
    try {
      const headers = state.etag ? { "If-None-Match": state.etag } : {};
      const { response, reply } = await request("/api/session/", { headers });
      if (response.status === 200) {
        state.etag = response.headers.get("ETag");
        applyList(reply);
      }
    } catch {
      // Offline or the server is busy: the next tick tries again.
    } finally {
      polling = false;
      if (!document.hidden) timer = setTimeout(poll, POLL_MS);
    }
  }

  document.addEventListener("visibilitychange", () => {
    if (document.hidden) {
      clearTimeout(timer);
      timer = null;
    } else {
      poll();
    }
  });

  // ---- Account mail: confirming the email, "Forgot your password?", one-time links -------
  // A mailed link opens this page with its token in the fragment (#verify=, #reset= or #login=),
  // which browsers never send to a server; it leaves the address bar at once.

  const mailSection = $("account-mail");
  const linkLogin = mailSection.dataset.login === "link";  // LT_LOGIN=link: no passwords at all
  if (linkLogin) {
    $("account-password").closest(".field").hidden = true;
    $("forgot-open").hidden = true;
  }
  const mailForms = { verify: $("verify-form"), forgot: $("forgot-form"), reset: $("reset-form") };
  const MAIL_HEADINGS = {
    pending: "Confirm your email",
    verify: "Confirm your email",
    login: "Signing you in",
    forgot: "Forgot your password?",
    reset: "Set a new password",
    done: "Your account",
  };
  let mailPart = null;  // what the section shows: a key of MAIL_HEADINGS, or null when hidden
  let mailToken = null;  // the token of the link being used
  let mailAction = null;  // what it does: "verify" (confirm the email), "login" or "reset"

  function openMail(part, text, kind) {
    mailPart = part;
    mailSection.hidden = part === null;
    if (part) $("account-mail-heading").textContent = MAIL_HEADINGS[part];
    $("verify-pending").hidden = part !== "pending";
    for (const [name, form] of Object.entries(mailForms)) {
      if (form.hidden !== (part !== name)) clearErrors(form);
      form.hidden = part !== name;
    }
    setStatus($("account-mail-status"), text || "", kind);
  }

  // Called whenever the login changes: an unconfirmed account is told to check its inbox.
  function showAccountMail(me) {
    if (mailToken || (mailPart === "forgot" && !me)) return;  // a link or the forgot form is in use
    if (me && !me.verified) openMail("pending");
    else if (mailPart === "pending" || mailPart === "forgot") openMail(null);
  }

  $("forgot-open").addEventListener("click", () => {
    openMail("forgot");
    $("forgot-email").value = $("account-email").value.trim();
    $("forgot-email").focus();
  });

  mailForms.forgot.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = mailForms.forgot;
    clearErrors(form);
    if (!check(form, [["email", (v) => /^\S+@\S+$/.test(v.trim()), "Please give your email address, like ada@example.org."]])) return;
    submitting(form, async () => {
      const reply = await post("/api/user/action/", { action: "forgot", email: form.elements.email.value.trim() });
      setStatus($("forgot-status"), reply.text, "success");
    });
  });

  $("verify-resend").addEventListener("click", async () => {
    const button = $("verify-resend");
    button.disabled = true;
    try {
      const reply = await post("/api/user/action/", { action: "resend" });
      setStatus($("account-mail-status"), reply.text, "success");
    } catch (error) {
      setStatus($("account-mail-status"), error.message, "error");
    } finally {
      button.disabled = false;
    }
  });

  async function linkUsed(text) {
    mailToken = null;
    openMail("done", text, "success");
    await loadMe();
    $("account-mail-heading").focus();
  }

  async function confirmEmail(password) {
    const fields = { action: mailAction, token: mailToken };
    if (password) fields.password = password;
    await post("/api/user/action/", fields);
    await linkUsed(mailAction === "login" ? "You are signed in." : "Your email is confirmed: you can vote and pitch.");
  }

  mailForms.verify.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = mailForms.verify;
    clearErrors(form);
    if (!check(form, [["password", (v) => v.length > 0, "Please enter this account's password."]])) return;
    submitting(form, () => confirmEmail(form.elements.password.value));
  });

  mailForms.reset.addEventListener("submit", (event) => {
    event.preventDefault();
    const form = mailForms.reset;
    clearErrors(form);
    if (!check(form, [["password", (v) => v.length >= 8, "Passwords are at least 8 characters."]])) return;
    submitting(form, async () => {
      await post("/api/user/action/", { action: "reset", token: mailToken, password: form.elements.password.value });
      form.reset();
      await linkUsed("Your new password is set, and you are logged in.");
    });
  });

  async function followMailLink() {
    const link = /^#(verify|reset|login)=([A-Za-z0-9_-]+)$/.exec(window.location.hash);
    if (!link) return;
    history.replaceState(null, "", window.location.pathname + window.location.search);
    [, mailAction, mailToken] = link;
    if (link[1] === "reset") {
      openMail("reset");
      $("reset-password").focus();
      return;
    }
    openMail(mailAction);
    mailForms.verify.hidden = true;  // needed only when this browser is not the one that registered
    try {
      await confirmEmail("");
    } catch (error) {
      if (error.status === 401) {
        openMail("verify");
        $("verify-password").focus();
      } else {
        mailToken = null;
        openMail("done", error.message, "error");
      }
    }
  }

  // ---- Start ----------------------------------------------------------------------------

  // Schedule dates in the visitor's own time zone, with a countdown on the last day.
  function localDates() {
    const now = Date.now();
    for (const time of document.querySelectorAll("time[datetime]")) {
      const date = new Date(time.getAttribute("datetime"));
      const soon = Math.abs(date - now) < 6 * 864e5;
      // The visitor's own clock needs no zone name; the tooltip has the full date.
      const text = date.toLocaleString(undefined, soon
        ? { weekday: "short", hour: "numeric", minute: "2-digit" }
        : { weekday: "short", day: "numeric", month: "short", hour: "numeric", minute: "2-digit" });
      const minutes = Math.round((date - now) / 6e4);
      const hours = Math.floor(minutes / 60);
      // No template literal inside another: the bake's minifier (rjsmin) would squeeze the inner one's spaces.
      const hoursPart = hours ? hours + " h " : "";
      const countdown = minutes > 0 && minutes < 24 * 60 ? ` (in ${hoursPart}${minutes % 60} min)` : "";
      time.textContent = text + countdown;
      time.title = date.toString();
    }
  }

  orderSelect.value = page.phase === "closed" ? "results" : "shuffle";
  sortTalks();
  localDates();
  setInterval(localDates, 60000);
  loadMe().finally(poll);
  followMailLink();
  window.addEventListener("hashchange", followMailLink);  // a link pasted into an open page
})();

// The homepage's behaviour: account, pitching, voting, per-visitor order and live counts.
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
  const state = {
    me: null,            // {name, votes: Set of talk ids, talks: [own pitches]} when logged in
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

  function fieldError(input, text) {
    input.setAttribute("aria-invalid", "true");
    $(`${input.id}-error`).textContent = text;
  }

  // The API names the field in its message ("title is too long..."): show it there.
  function showError(form, text) {
    const visible = [...form.elements].filter((el) => el.name && !el.closest("[hidden]"));
    const mentioned = visible
      .map((input) => ({ input, at: text.toLowerCase().indexOf(input.name) }))
      .filter((hit) => hit.at >= 0)
      .sort((a, b) => a.at - b.at);
    if (mentioned.length) {
      fieldError(mentioned[0].input, text);
      mentioned[0].input.focus();
    } else {
      setStatus(form.querySelector(".form-status"), text, "error");
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

  async function submitting(form, action) {
    const button = form.querySelector("[type=submit]");
    button.disabled = true;
    try {
      await action();
    } catch (error) {
      showError(form, error.message);
    } finally {
      button.disabled = false;
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

  $("account-switch").addEventListener("click", () => {
    setAccountMode(accountForm.dataset.mode === "login" ? "register" : "login");
    (accountForm.dataset.mode === "register" ? $("account-name") : $("account-email")).focus();
  });

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
    });
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
    $("account-email").focus();
  });

  async function loadMe() {
    try {
      const { reply } = await request("/api/user/me");
      setMe({ name: reply.name, votes: new Set(reply.votes), talks: reply.talks, verified: reply.verified !== false });
    } catch (error) {
      if (error.status !== 401) throw error;
      setMe(null);
    }
  }

  function setMe(me) {
    state.me = me;
    $("signed-in").hidden = !me;
    accountForm.hidden = !!me;
    $("me-name").textContent = me ? me.name : "";
    const pitchForm = $("pitch-form");
    if (pitchForm) {
      pitchForm.hidden = !me;
      $("pitch-login-hint").hidden = !!me;
    }
    showMyPitches(me ? me.talks : []);
    showAccountMail(me);
    state.votes.clear();
    for (const item of list.children) {
      const voted = !!me && me.votes.has(item.dataset.id);
      state.votes.set(item.dataset.id, { confirmed: voted, desired: voted, busy: false });
      renderVote(item);
    }
  }

  function showMyPitches(talks) {
    const section = $("my-pitches");
    const items = talks.map((talk) => {
      const item = document.createElement("li");
      item.textContent = talk.title;
      return item;
    });
    $("my-pitch-list").replaceChildren(...items);
    section.hidden = items.length === 0;
  }

  // ---- Pitching -------------------------------------------------------------------------

  const pitchForm = $("pitch-form");

  function updateCounter(input) {
    const counter = $(`${input.id}-counter`);
    const left = Number(counter.dataset.max) - input.value.length;
    counter.textContent = `${left} ${left === 1 ? "character" : "characters"} left`;
    counter.classList.toggle("is-near", left <= Number(counter.dataset.max) / 10);
  }

  if (pitchForm) {
    for (const input of [pitchForm.elements.title, pitchForm.elements.description]) {
      input.addEventListener("input", () => updateCounter(input));
    }
    pitchForm.addEventListener("submit", (event) => {
      event.preventDefault();
      clearErrors(pitchForm);
      const ok = check(pitchForm, [
        ["title", (v) => v.trim() !== "", "Please give your talk a title."],
        ["description", (v) => v.trim() !== "", "Please say in a few lines what the talk is about."],
      ]);
      if (!ok) return;
      const fields = { title: pitchForm.elements.title.value.trim(), description: pitchForm.elements.description.value.trim() };
      submitting(pitchForm, async () => {
        await post("/api/session/action/", fields);
        pitchForm.reset();
        for (const input of [pitchForm.elements.title, pitchForm.elements.description]) updateCounter(input);
        setStatus($("pitch-status"), `Thank you! “${fields.title}” is in. It is listed under Your pitches.`, "success");
        await loadMe();
        poll();
      });
    });
  }

  // ---- Voting: optimistic, one request in flight per talk, set-form vote=1/0 -------------

  function itemFor(talkId) {
    return [...list.children].find((item) => item.dataset.id === talkId);
  }

  function renderVote(item) {
    const vote = state.votes.get(item.dataset.id);
    const button = item.querySelector(".vote");
    if (!vote || !button) return;
    button.setAttribute("aria-pressed", String(vote.desired));
    item.classList.toggle("is-voted", vote.desired);
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
    keepingFocus(() => list.append(...[...list.children].sort(compare)));
  }

  orderSelect.addEventListener("change", sortTalks);

  // ---- Live list: poll with If-None-Match, paused while the tab is hidden ----------------

  function makeItem(talk) {
    const item = $("talk-template").content.firstElementChild.cloneNode(true);
    item.dataset.id = talk._id;
    item.dataset.created = talk.created_at;
    const title = item.querySelector(".talk-title");
    title.id = `title-${talk._id}`;
    title.textContent = talk.title;
    item.querySelector(".talk-card").setAttribute("aria-labelledby", title.id);
    item.querySelector(".speaker").textContent = talk.speaker;
    item.querySelector(".talk-description").textContent = talk.description;
    const hidden = item.querySelector(".vote .visually-hidden");
    if (hidden) hidden.textContent = ` for ${talk.title}`;
    const voted = !!state.me && state.me.votes.has(talk._id);
    state.votes.set(talk._id, { confirmed: voted, desired: voted, busy: false });
    return item;
  }

  function updateItem(item, talk) {
    const vote = state.votes.get(talk._id);
    if (typeof talk.votes === "number" && !(vote && vote.busy)) item.dataset.votes = String(talk.votes);
    item.classList.toggle("is-accepted", !!talk.accepted);
    const badge = item.querySelector(".badge-accepted");
    if (badge) badge.hidden = !talk.accepted;
    renderVote(item);
    renderCount(item);
  }

  function applyList(reply) {
    if (reply.phase !== page.phase) showPhaseNotice(reply.phase);
    const current = new Map([...list.children].map((item) => [item.dataset.id, item]));
    const seen = new Set();
    keepingFocus(() => {
      for (const talk of reply.sessions) {
        seen.add(talk._id);
        let item = current.get(talk._id);
        if (!item) {
          item = makeItem(talk);
          const before = [...list.children].find((other) => compare(item, other) < 0);
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
    $("talk-total").textContent = String(list.children.length);
    $("no-talks").hidden = list.children.length > 0;
  }

  const PHASE_TEXT = {
    pitching: "Pitching is open again.",
    voting: "Voting is open now!",
    closed: "Voting has closed: the results are in.",
  };

  function showPhaseNotice(phase) {
    $("phase-notice-text").textContent = PHASE_TEXT[phase] || "The page has changed.";
    $("phase-notice").hidden = false;
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

  orderSelect.value = page.phase === "closed" ? "votes" : "shuffle";
  sortTalks();
  loadMe().finally(poll);
  followMailLink();
  window.addEventListener("hashchange", followMailLink);  // a link pasted into an open page
})();

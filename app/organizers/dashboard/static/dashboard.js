// The dashboard works without this file. It asks before the buttons that are hard to undo, and
// fills a ranking row's voter list in place when the row is expanded (without it, a link opens it).
document.addEventListener("submit", (event) => {
  const question = event.target.dataset.confirm;
  if (question && !window.confirm(question)) {
    event.preventDefault();
  }
});

async function loadVoters(details) {
  details.dataset.loaded = "1";
  const placeholder = details.querySelector(".placeholder");
  try {
    const reply = await fetch(details.dataset.src, { credentials: "same-origin" });
    if (!reply.ok) throw new Error(`the server answered ${reply.status}`);
    const page = new DOMParser().parseFromString(await reply.text(), "text/html");
    placeholder.replaceWith(document.importNode(page.getElementById("voters-list"), true));
  } catch (error) {
    delete details.dataset.loaded;
    placeholder.prepend(`Could not load the voters (${error.message}). `);
  }
}

// `toggle` does not bubble, so listen in the capture phase for every <details> on the page.
document.addEventListener("toggle", (event) => {
  const details = event.target;
  if (details.open && details.dataset.src && !details.dataset.loaded) {
    loadVoters(details);
  }
}, true);

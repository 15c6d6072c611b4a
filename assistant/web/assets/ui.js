// Citation markers: each "[n]" in an assistant message becomes a link to source n of that turn, and a click
// brings the source into view. The markers stay plain text in the messages (so "copy" copies clean text);
// links are added here, after Gradio renders or re-renders a message.
(() => {
  const MARKER = /\[(\d{1,2})\]/g;

  function linkify() {
    document.querySelectorAll("#chat .message.bot").forEach((message, turn) => {
      const walker = document.createTreeWalker(message, NodeFilter.SHOW_TEXT);
      const found = [];
      while (walker.nextNode()) {
        const node = walker.currentNode;
        MARKER.lastIndex = 0;
        if (MARKER.test(node.nodeValue) && !node.parentElement.closest("a, button, code")) found.push(node);
      }
      found.forEach((node) => replaceMarkers(node, turn));
    });
  }

  function replaceMarkers(node, turn) {
    const text = node.nodeValue;
    const parts = document.createDocumentFragment();
    let last = 0;
    for (const match of text.matchAll(MARKER)) {
      parts.append(text.slice(last, match.index));
      const id = `src-${turn}-${match[1]}`;
      if (document.getElementById(id)) {
        const link = document.createElement("a");
        link.className = "cite";
        link.href = `#${id}`;
        link.dataset.source = id;
        link.title = "查看来源";
        link.textContent = match[0];
        parts.append(link);
      } else {
        parts.append(match[0]); // no such source (yet): leave the text alone
      }
      last = match.index + match[0].length;
    }
    parts.append(text.slice(last));
    node.replaceWith(parts);
  }

  function showSource(id) {
    const card = document.getElementById(id);
    if (!card) return;
    const turn = card.closest("details");
    if (turn) turn.open = true;
    card.scrollIntoView({ behavior: "smooth", block: "center" });
    document.querySelectorAll(".source.focused").forEach((el) => el.classList.remove("focused"));
    card.classList.add("focused");
  }

  document.addEventListener(
    "click",
    (event) => {
      const link = event.target.closest && event.target.closest("a.cite");
      if (!link) return;
      event.preventDefault();
      event.stopPropagation();
      showSource(link.dataset.source);
    },
    true,
  );

  // The article picker always shows a choice ("全部文章" at first); select it on focus so typed text filters the
  // list instead of being appended to that label.
  document.addEventListener("focusin", (event) => {
    if (event.target.matches && event.target.matches(".article-picker input")) event.target.select();
  });

  let scheduled = false;
  new MutationObserver(() => {
    if (scheduled) return;
    scheduled = true;
    requestAnimationFrame(() => {
      scheduled = false;
      linkify();
    });
  }).observe(document.documentElement, { childList: true, subtree: true, characterData: true });
})();

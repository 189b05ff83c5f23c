// "Question this KPI": a tile's control loads its form in place when opened; mention buttons insert "@e-mail".
document.addEventListener("toggle", function (event) {
  var details = event.target;
  if (!details.matches || !details.matches("details.ask[data-fragment]") || !details.open || details.dataset.loaded) {
    return;
  }
  details.dataset.loaded = "loading";
  fetch(details.dataset.fragment, { credentials: "same-origin", headers: { "X-Requested-With": "fetch" } })
    .then(function (response) {
      if (!response.ok) { throw new Error(response.status); }
      return response.text();
    })
    .then(function (html) {
      // The fragment is our own server-rendered, escaped template.
      details.querySelector(".ask-body").innerHTML = html;
      details.dataset.loaded = "true";
      var textarea = details.querySelector("textarea");
      if (textarea) { textarea.focus(); }
    })
    .catch(function () { delete details.dataset.loaded; });
}, true);

document.addEventListener("click", function (event) {
  var button = event.target.closest("[data-mention]");
  if (!button) { return; }
  var textarea = button.closest("form").querySelector("textarea");
  var mention = "@" + button.dataset.mention + " ";
  var at = textarea.selectionStart || textarea.value.length;
  var before = textarea.value.slice(0, at);
  textarea.value = before + (before && !/\s$/.test(before) ? " " : "") + mention + textarea.value.slice(at);
  textarea.focus();
});

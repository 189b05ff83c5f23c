// The language switcher sends its form as soon as a language is picked. A file rather than an onchange attribute:
// the Content-Security-Policy runs only the site's own script files. Loaded with `defer`: the page is parsed by now.
const languageSelect = document.getElementById("language");
if (languageSelect) languageSelect.addEventListener("change", () => languageSelect.form.submit());

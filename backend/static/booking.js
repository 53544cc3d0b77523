// Progressive enhancement only: the page works without this script.
// Show times in the visitor's own zone: the server renders a guess (the contact's or the
// host's zone); when the browser knows better and the visitor hasn't chosen, ask again.
(() => {
  const params = new URLSearchParams(location.search);
  const select = document.getElementById("tz");
  let browserZone;
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return;
  }
  if (!params.has("tz") && browserZone && select && select.dataset.current !== browserZone) {
    const known = Array.from(select.options).some((o) => o.value === browserZone);
    if (known) {
      params.set("tz", browserZone);
      location.replace(`${location.pathname}?${params}`);
      return;
    }
  }
  // Picking a zone applies at once; the Change button stays for keyboard and no-JS use.
  if (select) select.addEventListener("change", () => select.form.submit());
})();

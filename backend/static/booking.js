// Progressive enhancement only: every page here works without this script.
// Show times in the visitor's own zone: the server renders a guess (the contact's or the
// host's zone); when the browser knows better and the visitor hasn't chosen, ask again.
(() => {
  const params = new URLSearchParams(location.search);
  const zoneInput = document.getElementById("tz");
  const zones = document.getElementById("zones");
  let browserZone;
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    browserZone = null;
  }
  const known = (zone) => zones && Array.from(zones.options).some((o) => o.value === zone);
  if (!params.has("tz") && browserZone && zoneInput && zoneInput.dataset.current !== browserZone
      && known(browserZone)) {
    params.set("tz", browserZone);
    if (!params.has("h")) params.set("h", hourFormatOfLocale());
    location.replace(`${location.pathname}?${params}`);
    return;
  }
  // Picking a known zone from the list applies it at once.
  if (zoneInput) {
    zoneInput.addEventListener("change", () => {
      if (known(zoneInput.value)) zoneInput.form.submit();
    });
  }

  function hourFormatOfLocale() {
    try {
      const hc = new Intl.DateTimeFormat(navigator.language, { hour: "numeric" })
        .resolvedOptions().hourCycle;
      return hc === "h11" || hc === "h12" ? "12" : "24";
    } catch {
      return "24";
    }
  }
})();

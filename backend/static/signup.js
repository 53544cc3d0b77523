// Progressive enhancement for the sign-up and invitation forms: the time-zone field starts
// at the browser's own zone when the server only guessed (UTC) and knows that zone. The
// field stays a plain text input with a <datalist>, so typing searches the zone ids.
(() => {
  let zone;
  try {
    zone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    return;
  }
  for (const input of document.querySelectorAll('input[data-guess-zone]')) {
    const list = input.list;
    const known = list && Array.from(list.options).some((o) => o.value === zone);
    if (known && (!input.value || input.value === 'UTC') && !input.dataset.chosen) input.value = zone;
  }
})();

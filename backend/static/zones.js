// The time-zone picker, progressive enhancement of a plain field (an IANA id or a city,
// with a <datalist>): search by city, country, abbreviation or offset ("Tokyo", "Japan",
// "JST", "+9", "+05:30", "GMT-3"), accents optional ("Sao Paulo" finds São Paulo). Used on
// the booking page (choosing shows the times at once: data-zone-picker="submit"), the
// profile and the working-hours editor (choosing fills the field).
(() => {
  const fields = document.querySelectorAll('input[data-zone-picker]');
  if (!fields.length) return;

  function el(tag, props = {}, children = []) {
    const node = document.createElement(tag);
    for (const [key, value] of Object.entries(props)) {
      if (key === 'text') node.textContent = value;
      else if (key in node && !key.startsWith('aria') && key !== 'role') node[key] = value;
      else node.setAttribute(key, value);
    }
    for (const child of children) if (child) node.append(child);
    return node;
  }

  // Lower case, without accents: "São Paulo" → "sao paulo".
  const fold = (text) => text.normalize('NFD').replace(/\p{M}/gu, '').toLowerCase();
  const labelOf = (id) => id.split('/').pop().replaceAll('_', ' ');
  const format = (id, options) => {
    try {
      return new Intl.DateTimeFormat('en-US', { timeZone: id, ...options })
        .formatToParts(new Date()).find((p) => p.type === 'timeZoneName')?.value || '';
    } catch {
      return '';
    }
  };
  // "GMT+5:30" → 330, "GMT" → 0, "GMT-3" → -180.
  const minutesOf = (offset) => {
    const m = /^GMT(?:([+-])(\d{1,2})(?::(\d{2}))?)?$/.exec(offset);
    if (!m) return null;
    return m[1] ? (m[1] === '-' ? -1 : 1) * (Number(m[2]) * 60 + Number(m[3] || 0)) : 0;
  };
  // What people type for an offset: "+9", "+05:30", "+5:30", "-0300", "UTC+9", "GMT −3".
  const typedOffset = (q) => {
    const m = /^(?:utc|gmt)?\s*([+\-−])\s*(\d{1,2})(?::?(\d{2}))?$/.exec(q);
    if (!m || Number(m[2]) > 14 || Number(m[3] || 0) > 59) return null;
    return (m[1] === '+' ? 1 : -1) * (Number(m[2]) * 60 + Number(m[3] || 0));
  };

  // Abbreviations people type; Intl gives most of them in one English locale or another.
  const EXTRA = { JST: 'Asia/Tokyo', KST: 'Asia/Seoul', SGT: 'Asia/Singapore', HKT: 'Asia/Hong_Kong',
    CET: 'Europe/Berlin', CEST: 'Europe/Berlin', EET: 'Europe/Athens', WET: 'Europe/Lisbon',
    MSK: 'Europe/Moscow', UTC: 'UTC', GMT: 'Europe/London', PT: 'America/Los_Angeles',
    ET: 'America/New_York', CT: 'America/Chicago', MT: 'America/Denver', IST: 'Asia/Kolkata' };

  // Where most people are, first among zones that share an abbreviation or an offset.
  const POPULAR = new Set(['America/New_York', 'America/Chicago', 'America/Denver', 'America/Los_Angeles',
    'America/Toronto', 'America/Mexico_City', 'America/Sao_Paulo', 'Europe/London', 'Europe/Berlin',
    'Europe/Paris', 'Europe/Madrid', 'Europe/Moscow', 'Africa/Lagos', 'Africa/Johannesburg', 'Asia/Dubai',
    'Asia/Kolkata', 'Asia/Shanghai', 'Asia/Singapore', 'Asia/Tokyo', 'Australia/Sydney', 'Pacific/Auckland', 'UTC']);

  let loading = null;
  function load(url) {
    loading ||= fetch(url).then((r) => r.json()).then((data) => ({
      aliases: data.aliases || {},
      entries: data.zones.map(([id, country]) => {
        const abbrs = new Set();
        for (const locale of ['en-US', 'en-GB', 'en-IN', 'en-AU']) {
          try {
            const name = new Intl.DateTimeFormat(locale, { timeZone: id, timeZoneName: 'short' })
              .formatToParts(new Date()).find((p) => p.type === 'timeZoneName')?.value;
            if (name && !/^(GMT|UTC)[+-]/.test(name)) abbrs.add(name.toUpperCase());
          } catch { /* an id this browser doesn't know */ }
        }
        for (const [abbr, zone] of Object.entries(EXTRA)) if (zone === id) abbrs.add(abbr);
        const offset = format(id, { timeZoneName: 'shortOffset' });
        const city = labelOf(id);
        return { id, country, city, abbrs, offset, minutes: minutesOf(offset), fcity: fold(city),
          fcountry: fold(country), words: fold(`${id.replaceAll('_', ' ')} ${country}`) };
      }),
    }));
    loading.catch(() => { loading = null; });
    return loading;
  }

  function search(zones, text) {
    const q = fold(text.trim()).replaceAll('_', ' ');
    if (!q) return [];
    const canonical = zones.aliases[text.trim()];
    const upper = q.toUpperCase().replace(/^UTC/, 'GMT');
    const offset = typedOffset(q);
    const scored = [];
    for (const entry of zones.entries) {
      let score = 0;
      if (fold(entry.id) === q || entry.id === canonical) score = 100;
      else if (entry.fcity === q) score = 90;
      else if (entry.fcountry === q) score = 85;
      else if (entry.abbrs.has(upper)) score = 80;
      else if (entry.fcity.startsWith(q)) score = 70;
      else if (entry.fcountry.startsWith(q)) score = 60;
      else if (offset !== null && entry.minutes === offset) score = 50;
      else if (entry.words.includes(q)) score = 40;
      if (score) scored.push([score + (POPULAR.has(entry.id) ? 5 : 0), entry]);
    }
    scored.sort((a, b) => b[0] - a[0] || a[1].city.localeCompare(b[1].city));
    return scored.slice(0, 8).map(([, entry]) => entry);
  }

  for (const input of fields) picker(input);

  function picker(input) {
    const form = input.form;
    const submits = input.dataset.zonePicker === 'submit';
    const hourFormat = form.querySelector('input[name="h"]')?.value
      || document.querySelector('input[name="hour_format"]:checked')?.value || '24';
    const localTime = (id) => {
      try {
        return new Date().toLocaleTimeString(hourFormat === '12' ? 'en-US' : 'en-GB', {
          timeZone: id, hour: hourFormat === '12' ? 'numeric' : '2-digit', minute: '2-digit',
          hour12: hourFormat === '12',
        }).toLowerCase();
      } catch {
        return '';
      }
    };
    const base = input.id;
    const list = el('ul', { id: `${base}-list`, role: 'listbox', className: 'tz-list', 'aria-label': 'Time zones' });
    const status = el('p', { id: `${base}-status`, className: 'hint', role: 'status' });
    list.hidden = true;
    input.removeAttribute('list');
    input.setAttribute('role', 'combobox');
    input.setAttribute('aria-autocomplete', 'list');
    input.setAttribute('aria-expanded', 'false');
    input.setAttribute('aria-controls', list.id);
    input.after(list);
    list.after(status);
    form.classList.add('enhanced');
    input.closest('.zone-field')?.classList.add('enhanced');
    let zones = null;
    let shown = [];
    let active = -1;
    const url = input.dataset.zones || '/zones.json';

    function close() {
      list.hidden = true;
      input.setAttribute('aria-expanded', 'false');
      input.removeAttribute('aria-activedescendant');
      active = -1;
    }

    function highlight(index) {
      active = index;
      list.querySelectorAll('[role="option"]').forEach((li, i) => {
        li.setAttribute('aria-selected', i === index ? 'true' : 'false');
      });
      if (index >= 0) input.setAttribute('aria-activedescendant', `${base}-option-${index}`);
      else input.removeAttribute('aria-activedescendant');
    }

    const placeOf = (entry) => (entry.country && entry.country !== entry.city ? `${entry.city}, ${entry.country}` : entry.city);

    function render() {
      list.replaceChildren();
      shown = search(zones, input.value);
      shown.forEach((entry, i) => {
        list.append(el('li', { role: 'option', id: `${base}-option-${i}`, 'aria-selected': 'false',
          'data-zone': entry.id }, [
          el('span', { className: 'place', text: placeOf(entry) }),
          el('span', { className: 'muted', text: ` ${entry.offset} · ${localTime(entry.id)}` }),
        ]));
      });
      list.hidden = shown.length === 0;
      input.setAttribute('aria-expanded', shown.length ? 'true' : 'false');
      input.removeAttribute('aria-invalid');
      if (input.value.trim() && !shown.length) {
        status.textContent = `No time zone matches “${input.value.trim()}”. Try a city such as Berlin or Tokyo, or an offset such as +5:30.`;
        status.classList.add('error');
        input.setAttribute('aria-invalid', 'true');
      } else {
        status.textContent = shown.length ? `${shown.length} time zone${shown.length === 1 ? '' : 's'} found.` : '';
        status.classList.remove('error');
      }
      highlight(shown.length ? 0 : -1);
    }

    function choose(entry) {
      input.value = entry.id;
      close();
      if (submits) {
        status.textContent = `Showing times in ${entry.city}…`;
        form.submit();
      } else {
        status.textContent = `${placeOf(entry)} · ${entry.offset} · now ${localTime(entry.id)}`;
        input.dispatchEvent(new Event('change', { bubbles: true }));
      }
    }

    async function ready() {
      zones = await load(url);
      return zones;
    }

    input.addEventListener('focus', () => {
      ready().catch(() => {});
      input.select();
    });
    input.addEventListener('input', async () => {
      try {
        await ready();
      } catch {
        return; // the plain field still works: type an id or a city
      }
      render();
    });
    input.addEventListener('keydown', (event) => {
      if (event.key === 'ArrowDown' && shown.length) {
        event.preventDefault();
        if (list.hidden) render();
        highlight(Math.min(active + 1, shown.length - 1));
      } else if (event.key === 'ArrowUp' && shown.length) {
        event.preventDefault();
        highlight(Math.max(active - 1, 0));
      } else if (event.key === 'Escape') {
        close();
      } else if (event.key === 'Enter') {
        if (!list.hidden && active >= 0) {
          event.preventDefault();
          choose(shown[active]);
        } else if (zones && input.value.trim() && !search(zones, input.value).length) {
          event.preventDefault();
          render();
        }
      }
    });
    list.addEventListener('mousedown', (event) => event.preventDefault());
    list.addEventListener('click', (event) => {
      const li = event.target.closest('[role="option"]');
      if (li) choose(shown[Number(li.id.split('-').pop())]);
    });
    input.addEventListener('blur', () => setTimeout(close, 100));
    form.addEventListener('submit', (event) => {
      if (!zones || !input.value.trim()) return;
      const found = search(zones, input.value);
      if (!found.length) {
        event.preventDefault();
        render();
      } else if (!submits && !found.some((entry) => entry.id === input.value.trim())) {
        input.value = found[0].id; // "tokyo" or "+9" typed and saved: its best match
      }
    });
  }
})();

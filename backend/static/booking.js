// Progressive enhancement only: every page here works without this script.
// - Times in the visitor's own zone: the server renders a guess (the contact's or the host's
//   zone); when the browser knows better and the visitor hasn't chosen, ask again.
// - (The time-zone search is zones.js, shared with the host's pages.)
// - Booking in steps: a calendar beside the chosen day's times and the details form
//   (desktop), or one step per screen with a way back (phone).
// - Remembering a booking in this browser, so reopening the used link leads back to it.
(() => {
  const $ = (id) => document.getElementById(id);
  const params = new URLSearchParams(location.search);
  const zoneInput = $('tz');
  const zones = $('zones');
  let browserZone;
  try {
    browserZone = Intl.DateTimeFormat().resolvedOptions().timeZone;
  } catch {
    browserZone = null;
  }
  const known = (zone) => zones && Array.from(zones.options).some((o) => o.value === zone);
  if (!params.has('tz') && browserZone && zoneInput && zoneInput.dataset.current !== browserZone
      && known(browserZone)) {
    params.set('tz', browserZone);
    if (!params.has('h')) params.set('h', hourFormatOfLocale());
    location.replace(`${location.pathname}?${params}`);
    return;
  }

  function hourFormatOfLocale() {
    try {
      const hc = new Intl.DateTimeFormat(navigator.language, { hour: 'numeric' })
        .resolvedOptions().hourCycle;
      return hc === 'h11' || hc === 'h12' ? '12' : '24';
    } catch {
      return '24';
    }
  }

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

  const booker = $('booker');
  if (booker) steps(booker);
  remember();
  recall();

  // ---- booking in steps -------------------------------------------------------------
  function steps(root) {
    const form = root.closest('form');
    const phone = window.matchMedia('(max-width: 55.99rem)');
    const days = Array.from(root.querySelectorAll('.day'));
    const dayLinks = Array.from(root.querySelectorAll('.month a[data-date]'));
    const months = Array.from(root.querySelectorAll('.month'));
    const chosen = $('chosen');
    root.classList.add('enhanced');
    form.noValidate = true; // our own messages, next to the fields
    root.querySelectorAll('.back').forEach((button) => {
      button.hidden = false;
      button.addEventListener('click', () => go(button.dataset.back, true));
    });

    // One month at a time, with buttons to the others.
    let monthIndex = 0;
    const monthNav = months.length > 1 ? el('div', { className: 'month-nav' }, [
      el('button', { type: 'button', className: 'secondary', id: 'prev-month', 'aria-label': 'Previous month', text: '‹' }),
      el('button', { type: 'button', className: 'secondary', id: 'next-month', 'aria-label': 'Next month', text: '›' }),
    ]) : null;
    if (monthNav) {
      months[0].parentElement.prepend(monthNav);
      $('prev-month').addEventListener('click', () => showMonth(monthIndex - 1));
      $('next-month').addEventListener('click', () => showMonth(monthIndex + 1));
    }
    function showMonth(index) {
      monthIndex = Math.max(0, Math.min(index, months.length - 1));
      months.forEach((m, i) => { m.hidden = i !== monthIndex; });
      if (monthNav) {
        $('prev-month').disabled = monthIndex === 0;
        $('next-month').disabled = monthIndex === months.length - 1;
      }
    }

    function go(step, moveFocus) {
      root.dataset.step = step;
      if (!moveFocus || !phone.matches) return;
      root.scrollIntoView({ block: 'start' });
      const target = step === 'day' ? root.querySelector('.month:not([hidden]) a[aria-current]') || dayLinks[0]
        : step === 'time' ? days.find((d) => !d.hidden)?.querySelector('input')
        : $('name') || $('confirm');
      target?.focus({ preventScroll: true });
    }

    function showDay(date) {
      days.forEach((d) => { d.hidden = d.dataset.date !== date; });
      dayLinks.forEach((a) => {
        if (a.dataset.date === date) a.setAttribute('aria-current', 'date');
        else a.removeAttribute('aria-current');
      });
      const index = months.findIndex((m) => m.querySelector(`a[data-date="${date}"]`));
      showMonth(index < 0 ? 0 : index);
    }

    function describeChoice(radio) {
      if (!radio) {
        chosen.hidden = true;
        return;
      }
      const day = radio.closest('.day').querySelector('h3').textContent;
      const time = radio.nextElementSibling.textContent.trim();
      chosen.textContent = `${day}, ${time}`;
      chosen.hidden = false;
    }

    dayLinks.forEach((a) => a.addEventListener('click', (event) => {
      event.preventDefault();
      showDay(a.dataset.date);
      go('time', true);
    }));
    form.querySelectorAll('input[name="start"]').forEach((radio) => {
      radio.addEventListener('change', () => {
        clearError(radio.closest('fieldset'), 'start');
        describeChoice(radio);
        go('details', true);
      });
    });

    function setError(field, name, text) {
      let box = $(`${name}-error`);
      if (!box) {
        box = el('p', { className: 'field-error', id: `${name}-error` });
        if (name === 'start') field.querySelector('.back').after(box);
        else field.after(box);
      }
      box.textContent = text;
      field.setAttribute('aria-describedby', box.id);
      if (field.tagName !== 'FIELDSET') field.setAttribute('aria-invalid', 'true');
    }
    function clearError(field, name) {
      $(`${name}-error`)?.remove();
      field.removeAttribute('aria-describedby');
      field.removeAttribute('aria-invalid');
    }
    for (const name of ['name', 'email', 'notes']) {
      $(name)?.addEventListener('input', () => clearError($(name), name));
    }

    form.addEventListener('submit', (event) => {
      const picked = form.querySelector('input[name="start"]:checked');
      const problems = [];
      const name = $('name');
      const email = $('email');
      if (name && !name.value.trim()) problems.push([name, 'name', 'Please enter your name.']);
      if (email && !email.value.trim()) problems.push([email, 'email', 'Please enter your e-mail address.']);
      else if (email && !email.validity.valid) {
        problems.push([email, 'email', 'Please enter a valid e-mail address, like ada@example.com.']);
      }
      if (!picked) problems.unshift([root.querySelector('.pane-time'), 'start', 'Please pick one of the times.']);
      if (!problems.length) {
        $('confirm').disabled = true; // one booking per click
        return;
      }
      event.preventDefault();
      for (const [field, key, text] of problems) setError(field, key, text);
      const [first] = problems;
      if (first[1] === 'start') go('time', true);
      else {
        go('details', false);
        first[0].focus();
      }
    });

    // Start where the visitor is: their chosen time (after a mistake), else the first day.
    const picked = form.querySelector('input[name="start"]:checked');
    const invalid = form.querySelector('[aria-invalid="true"]');
    if (picked) {
      showDay(picked.closest('.day').dataset.date);
      describeChoice(picked);
      go('details', false);
    } else {
      // Moving a booking opens on its day (or the next day with times), else the first day.
      const opening = root.dataset.openDay;
      const first = (opening && days.find((d) => d.dataset.date >= opening)) || days[0];
      showDay(first.dataset.date);
      go($('start-error') ? 'time' : invalid ? 'details' : 'day', false);
    }
  }

  // ---- back to a booking from a used link ---------------------------------------------
  function remember() {
    const booked = $('booked');
    if (!booked?.dataset.link) return;
    const key = `schedlink:${booked.dataset.link}`;
    try {
      if (booked.dataset.status !== 'confirmed') {
        localStorage.removeItem(key);
        return;
      }
      localStorage.setItem(key, JSON.stringify({
        when: $('when').textContent.trim(),
        view: location.pathname,
        reschedule: $('reschedule')?.getAttribute('href'),
        cancel: $('cancel')?.getAttribute('href'),
      }));
    } catch { /* storage off: the e-mail and this page's address still lead back */ }
  }

  function recall() {
    const gone = document.querySelector('[data-link-status="completed"][data-link]');
    if (!gone) return;
    let saved;
    try {
      saved = JSON.parse(localStorage.getItem(`schedlink:${gone.dataset.link}`) || 'null');
    } catch {
      saved = null;
    }
    const local = (href) => typeof href === 'string' && href.startsWith('/') && !href.startsWith('//');
    const same = (href) => typeof href === 'string' && (local(href) || href.startsWith(`${location.origin}/`));
    if (!saved || !local(saved.view)) return;
    const links = [[saved.view, 'See your booking', 'see-booking']];
    if (same(saved.reschedule)) links.push([saved.reschedule, 'Pick another time', 'yours-reschedule']);
    if (same(saved.cancel)) links.push([saved.cancel, 'Cancel it', 'yours-cancel']);
    const box = el('div', { className: 'yours', id: 'your-booking', role: 'status' }, [
      el('h2', { text: 'You booked this link' }),
      el('p', { text: String(saved.when || '') }),
      el('div', { className: 'actions' }, links.map(([href, text, id]) => el('a', { href, text, id }))),
    ]);
    gone.querySelector('h1').after(box);
  }
})();

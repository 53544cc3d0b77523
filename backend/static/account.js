// The host's pages, enhanced: ask before destructive actions, copy buttons, and the
// message after an action focused where the person is looking. Everything works without it.
(() => {
  for (const form of document.querySelectorAll('form[data-confirm]')) {
    form.addEventListener('submit', (event) => {
      if (!window.confirm(form.dataset.confirm)) event.preventDefault();
    });
  }
  for (const button of document.querySelectorAll('button[data-copy]')) {
    const source = document.getElementById(button.dataset.copy);
    button.hidden = false;
    button.addEventListener('click', async () => {
      try {
        await navigator.clipboard.writeText(source.value);
        button.textContent = 'Copied';
      } catch {
        source.select();
        button.textContent = 'Press Ctrl+C';
      }
      setTimeout(() => { button.textContent = button.dataset.copyLabel || 'Copy'; }, 2000);
    });
  }
  for (const button of document.querySelectorAll('button[data-print]')) {
    button.hidden = false;
    button.addEventListener('click', () => window.print());
  }
  const flash = document.querySelector('[data-flash]');
  if (flash) {
    flash.scrollIntoView({ block: 'center' });
    flash.focus({ preventScroll: true });
  }
})();

// The working-hours editor: add and remove ranges, copy a day to every weekday.
(() => {
  const form = document.getElementById('hours-form');
  if (!form) return;
  const WEEKDAYS = ['monday', 'tuesday', 'wednesday', 'thursday', 'friday'];
  const title = (day) => day[0].toUpperCase() + day.slice(1);
  let counter = 100;

  const dayBox = (day) => form.querySelector(`.hours-day[data-day="${day}"]`);
  const rows = (day) => Array.from(dayBox(day).querySelectorAll('.range'));
  const blank = (row) => Array.from(row.querySelectorAll('input')).every((i) => !i.value);

  function plus(time, minutes) {
    const [h, m] = time.split(':').map(Number);
    const total = Math.min(h * 60 + m + minutes, 23 * 60 + 59);
    return `${String(Math.floor(total / 60)).padStart(2, '0')}:${String(total % 60).padStart(2, '0')}`;
  }

  function newRow(day, start, end) {
    const template = rows(day)[0] || form.querySelector('.range') || spare;
    const row = template.cloneNode(true);
    counter += 1;
    const [from, until] = row.querySelectorAll('input');
    const [fromLabel, untilLabel] = row.querySelectorAll('label');
    for (const [input, label, kind, value, word] of [[from, fromLabel, 'start', start, 'from'], [until, untilLabel, 'end', end, 'until']]) {
      input.id = `${day}-${kind}-${counter}`;
      input.name = `${day}-${kind}`;
      input.value = value;
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
      label.htmlFor = input.id;
      label.textContent = `${title(day)} ${word}`;
    }
    const remove = row.querySelector('.remove-range');
    remove.setAttribute('aria-label', `Remove this ${title(day)} range`);
    wireRemove(remove);
    return row;
  }

  function refresh(day) {
    const box = dayBox(day);
    let off = box.querySelector('.day-off');
    if (!rows(day).length) {
      if (!off) {
        off = document.createElement('p');
        off.className = 'day-off muted';
        off.textContent = 'Not working';
        box.querySelector('.ranges').append(off);
      }
    } else if (off) off.remove();
  }

  function wireRemove(button) {
    button.hidden = false;
    button.addEventListener('click', () => {
      const box = button.closest('.hours-day');
      button.closest('.range').remove();
      refresh(box.dataset.day);
      box.querySelector('.add-range').focus();
    });
  }

  // A template for when no day has a range left.
  const spare = form.querySelector('.range').cloneNode(true);
  for (const box of form.querySelectorAll('.hours-day')) {
    const day = box.dataset.day;
    for (const row of rows(day)) if (blank(row)) row.remove();
    box.querySelectorAll('.remove-range').forEach(wireRemove);
    refresh(day);
    const add = box.querySelector('.add-range');
    add.hidden = false;
    add.addEventListener('click', () => {
      const last = rows(day).at(-1);
      const end = last?.querySelectorAll('input')[1].value;
      const start = end && end !== '00:00' ? end : '09:00';
      const row = newRow(day, start, end ? plus(start, 60) : '17:00');
      box.querySelector('.ranges').append(row);
      refresh(day);
      row.querySelector('input').focus();
    });
    const copy = box.querySelector('.copy-range');
    copy?.addEventListener('click', (event) => {
      event.preventDefault();
      const ranges = rows(day).map((r) => Array.from(r.querySelectorAll('input')).map((i) => i.value));
      for (const other of WEEKDAYS) {
        if (other === day) continue;
        rows(other).forEach((r) => r.remove());
        for (const [start, end] of ranges) dayBox(other).querySelector('.ranges').append(newRow(other, start, end));
        refresh(other);
      }
      let said = box.querySelector('.copied');
      if (!said) {
        said = document.createElement('p');
        said.className = 'copied ok';
        said.setAttribute('role', 'status');
        box.querySelector('.day-tools').after(said);
      }
      said.textContent = `Copied ${title(day)}'s hours to every weekday. Save to keep them.`;
    });
  }
})();

// Date overrides: add and remove rows; a day off hides the time inputs (still sent, ignored).
(() => {
  const box = document.querySelector('#hours-form .override-rows');
  if (!box) return;
  const add = document.querySelector('#hours-form .add-override');
  const rows = () => Array.from(box.querySelectorAll('.override'));
  let counter = 100;

  function wire(row) {
    const kind = row.querySelector('select');
    const hours = row.querySelector('.override-hours');
    const show = () => { row.dataset.kind = kind.value; hours.hidden = kind.value === 'off'; };
    kind.addEventListener('change', show);
    show();
    const remove = row.querySelector('.remove-range');
    remove.hidden = false;
    remove.addEventListener('click', () => {
      row.remove();
      add.focus();
    });
  }

  const spare = rows().at(-1).cloneNode(true);
  for (const row of rows()) {
    const blank = Array.from(row.querySelectorAll('input')).every((i) => !i.value);
    if (blank) row.remove();
    else wire(row);
  }
  add.hidden = false;
  add.addEventListener('click', () => {
    const row = spare.cloneNode(true);
    counter += 1;
    for (const input of row.querySelectorAll('input, select')) {
      const label = row.querySelector(`label[for="${input.id}"]`);
      input.id = `${input.name}-${counter}`;
      if (label) label.htmlFor = input.id;
      input.removeAttribute('aria-invalid');
      input.removeAttribute('aria-describedby');
    }
    box.append(row);
    wire(row);
    row.querySelector('input').focus();
  });
})();

// The place's own field (the host's number for "they call you") shown only for its choice;
// without script it is always there and the server says when it is missing.
(() => {
  for (const field of document.querySelectorAll('[data-shown-for]')) {
    const choices = field.closest('form').querySelectorAll('[name="place_type"]');
    const chosen = () => Array.from(choices).find((c) => c.tagName === 'SELECT' || c.checked)?.value;
    const show = () => { field.hidden = chosen() !== field.dataset.shownFor; };
    for (const choice of choices) choice.addEventListener('change', show);
    show();
  }
})();

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
      setTimeout(() => { button.textContent = 'Copy'; }, 2000);
    });
  }
  const flash = document.querySelector('[data-flash]');
  if (flash) {
    flash.scrollIntoView({ block: 'center' });
    flash.focus({ preventScroll: true });
  }
})();

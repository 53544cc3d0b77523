// A single-page app: the candidate (with its schedlink markup) is rendered after load,
// as a client-side route change, long after the document finished loading.
(() => {
  const CANDIDATE = {
    name: 'Barbara Liskov',
    email: 'barbara@example.edu',
    organization: 'MIT',
    reference: 'candidate-5150',
    summary: 'Interview: Principal Engineer',
    duration: '50',
    tzid: 'America/New_York',
  };

  function render() {
    if (document.body.dataset.loaded === 'yes') return;
    const app = document.getElementById('app');
    const heading = document.createElement('h2');
    heading.id = 'candidate-name';
    heading.textContent = CANDIDATE.name;
    const markup = document.createElement('div');
    markup.hidden = true;
    markup.setAttribute('data-schedlink-contact', '');
    for (const [key, value] of Object.entries(CANDIDATE)) markup.dataset[key] = value;
    app.replaceChildren(heading, markup);
    history.pushState({}, '', '?candidate=5150');
    document.body.dataset.loaded = 'yes';
  }

  document.getElementById('load-candidate').addEventListener('click', render);
  const delay = new URLSearchParams(location.search).get('delay');
  if (delay !== 'never') setTimeout(render, Number(delay) || 1000);
})();

// Web components as CRM and ATS front-ends build them: contact markup inside shadow roots,
// one open (searchable), one closed (not), plus a cross-origin frame loaded from the same
// server under another host name (127.0.0.1 <-> localhost), which is another origin.
class OrbitContactCard extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({ mode: 'open' });
    const card = document.createElement('section');
    const name = document.createElement('h2');
    name.id = 'candidate-name';
    name.textContent = 'Ada Lovelace';
    const markup = document.createElement('div');
    markup.hidden = true;
    markup.setAttribute('data-schedlink-contact', '');
    Object.assign(markup.dataset, {
      name: 'Ada Lovelace',
      email: 'ada@example.com',
      organization: 'Analytical Engines Ltd',
      reference: 'deal-77',
      summary: 'Renewal call',
      duration: '25',
    });
    card.append(name, markup);
    root.append(card);
  }
}

class OrbitPrivateNote extends HTMLElement {
  connectedCallback() {
    const root = this.attachShadow({ mode: 'closed' });
    const card = document.createElement('div');
    card.className = 'vcard';
    const name = document.createElement('span');
    name.className = 'fn';
    name.textContent = 'Closed Person';
    const mail = document.createElement('a');
    mail.className = 'email';
    mail.href = 'mailto:closed@example.com';
    mail.textContent = 'closed@example.com';
    card.append(name, mail);
    root.append(card);
  }
}

customElements.define('orbit-contact-card', OrbitContactCard);
customElements.define('orbit-private-note', OrbitPrivateNote);

const other = new URL('partner-card.html', location.href);
other.hostname = location.hostname === 'localhost' ? '127.0.0.1' : 'localhost';
const partner = document.getElementById('partner');
const frames = [document.getElementById('activity'), partner].map(
  (frame) => new Promise((resolve) => frame.addEventListener('load', resolve, { once: true })),
);
partner.src = other.href;
const activity = document.getElementById('activity');
if (activity.contentDocument?.readyState === 'complete' && activity.contentDocument.URL.endsWith('frame-card.html')) {
  frames[0] = Promise.resolve();
}
Promise.all(frames).then(() => {
  document.body.dataset.loaded = 'yes';
});

// Passkeys: ask the server for WebAuthn options, run navigator.credentials.create()/get(),
// send the result back. Every .passkey block says which (data-passkey-mode) and where
// (data-options, data-verify); the server checks everything, this only carries messages.
const b64url = {
  decode: (s) => Uint8Array.from(atob(s.replace(/-/g, "+").replace(/_/g, "/").padEnd(Math.ceil(s.length / 4) * 4, "=")), (c) => c.charCodeAt(0)),
  encode: (buf) => btoa(String.fromCharCode(...new Uint8Array(buf))).replace(/\+/g, "-").replace(/\//g, "_").replace(/=+$/, ""),
};

// Browsers without the JSON helpers (older Safari/Firefox): convert by hand.
function creationOptions(json) {
  if (PublicKeyCredential.parseCreationOptionsFromJSON) return PublicKeyCredential.parseCreationOptionsFromJSON(json);
  return { ...json, challenge: b64url.decode(json.challenge), user: { ...json.user, id: b64url.decode(json.user.id) },
    excludeCredentials: (json.excludeCredentials || []).map((c) => ({ ...c, id: b64url.decode(c.id) })) };
}
function requestOptions(json) {
  if (PublicKeyCredential.parseRequestOptionsFromJSON) return PublicKeyCredential.parseRequestOptionsFromJSON(json);
  return { ...json, challenge: b64url.decode(json.challenge),
    allowCredentials: (json.allowCredentials || []).map((c) => ({ ...c, id: b64url.decode(c.id) })) };
}
function credentialJSON(cred) {
  if (cred.toJSON) return cred.toJSON();
  const r = cred.response;
  const response = { clientDataJSON: b64url.encode(r.clientDataJSON) };
  if (r.attestationObject) {
    response.attestationObject = b64url.encode(r.attestationObject);
    response.transports = r.getTransports ? r.getTransports() : [];
  } else {
    Object.assign(response, { authenticatorData: b64url.encode(r.authenticatorData), signature: b64url.encode(r.signature),
      userHandle: r.userHandle ? b64url.encode(r.userHandle) : null });
  }
  return { id: cred.id, rawId: b64url.encode(cred.rawId), type: cred.type, response,
    clientExtensionResults: cred.getClientExtensionResults(), authenticatorAttachment: cred.authenticatorAttachment };
}

async function post(url, csrf, body) {
  const response = await fetch(url, { method: "POST", credentials: "same-origin",
    headers: { "Content-Type": "application/json", "X-CSRF-Token": csrf }, body: JSON.stringify(body || {}) });
  let data = {};
  try { data = await response.json(); } catch { /* an HTML error page */ }
  return { ok: response.ok, data };
}

async function run(block) {
  const status = block.querySelector("[data-status]");
  const say = (text) => { status.textContent = text; };
  say("");
  if (!window.PublicKeyCredential) return say("This browser doesn't support passkeys.");
  const { csrf, options: optionsUrl, verify, passkeyMode: mode } = block.dataset;
  const started = await post(optionsUrl, csrf);
  if (!started.ok) {
    if (started.data.redirect) return location.assign(started.data.redirect);
    return say(started.data.message || "Couldn't start; reload the page and try again.");
  }
  let credential;
  try {
    credential = mode === "create"
      ? await navigator.credentials.create({ publicKey: creationOptions(started.data) })
      : await navigator.credentials.get({ publicKey: requestOptions(started.data) });
  } catch (error) {
    return say(error.name === "NotAllowedError" ? "Cancelled, or the passkey isn't available." : `Passkey error: ${error.message}`);
  }
  const body = { credential: credentialJSON(credential), next: block.dataset.next };
  const name = block.querySelector("[data-field=name]");
  if (name) body.name = name.value;
  if (block.dataset.passwordFrom) body.password = document.querySelector(block.dataset.passwordFrom).value;
  const done = await post(verify, csrf, body);
  if (done.ok && done.data.redirect) return location.assign(done.data.redirect);
  say(done.data.message || "That didn't work; try again.");
}

for (const block of document.querySelectorAll(".passkey")) {
  block.querySelector("[data-start]").addEventListener("click", () => run(block));
  block.dataset.ready = "yes";
}

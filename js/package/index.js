// loadKustomerChat: the README's script tag, added from a bundle. Nothing runs at
// import time, so that a server rendering the page can import this module.

const OPTIONS = ['serverUrl', 'apiKey', 'launcher', 'position', 'color', 'title', 'greeting', 'getToken'];

// The first call's options and Promise: the loader is added once per page.
let loading = null;

function chatError(code, message) {
  const e = new Error(message);
  e.name = 'KustomerChatError';
  e.code = code;
  return e;
}

const invalid = (message) => chatError('INVALID_ARGUMENT', 'loadKustomerChat: ' + message);

export function loadKustomerChat(options) {
  let o;
  try {
    o = normalize(options);
  } catch (e) {
    return Promise.reject(e && e.name === 'KustomerChatError' ? e : invalid('needs a plain options object'));
  }
  if (loading) {
    const other = OPTIONS.find((k) => loading.options[k] !== o[k]);
    if (other) return Promise.reject(invalid(`already called with another ${other}: the chat is loaded once per page`));
    return loading.promise;
  }
  if (typeof document === 'undefined') {
    return Promise.reject(chatError('NOT_CONFIGURED', 'loadKustomerChat needs a browser: call it on the client (in an effect), not while rendering on the server'));
  }
  const promise = load(o);
  loading = { options: o, promise };
  // A failed load is forgotten, so that a later call (the network is back) tries again.
  promise.catch(() => { if (loading && loading.promise === promise) loading = null; });
  return promise;
}

function normalize(options) {
  if (options === null || typeof options !== 'object') throw invalid('needs an options object { serverUrl, apiKey }');
  const unknown = Object.keys(options).find((k) => !OPTIONS.includes(k));
  if (unknown !== undefined) throw invalid(`unknown option "${unknown}"; one of ${OPTIONS.join(', ')}`);
  const { serverUrl, apiKey, launcher = true, position = 'right', color, title, greeting, getToken } = options;
  if (typeof serverUrl !== 'string' || !/^https?:\/\/[^/]/.test(serverUrl)) throw invalid("serverUrl must be the chat service's http(s) URL");
  if (typeof apiKey !== 'string' || apiKey === '') throw invalid('apiKey must be a non-empty string');
  if (typeof launcher !== 'boolean') throw invalid('launcher must be true or false');
  if (position !== 'left' && position !== 'right') throw invalid('position must be "left" or "right"');
  for (const [name, v] of [['color', color], ['title', title], ['greeting', greeting]]) {
    if (v !== undefined && typeof v !== 'string') throw invalid(`${name} must be a string`);
  }
  if (getToken !== undefined && typeof getToken !== 'function') throw invalid('getToken must be a function');
  return { serverUrl: serverUrl.replace(/\/+$/, ''), apiKey, launcher, position, color, title, greeting, getToken };
}

// The loader marks its global; the pre-load snippet's stub has no mark.
const isLoader = (kc) => !!kc && kc.__loader === true;

async function load(o) {
  if (!isLoader(window.KustomerChat)) await loaderRan(o);
  const kc = window.KustomerChat;
  await kc.ready;
  // The tag's data-api-key started the SDK with these, and then this resolves at once.
  // A tag of the page's own without data-api-key is started here; one with another
  // key or service rejects INVALID_ARGUMENT.
  await kc.start({ apiKey: o.apiKey, serverUrl: o.serverUrl });
  if (o.getToken) await kc.setTokenProvider(o.getToken);
  return kc;
}

// loaderRan resolves once the loader has run: the page's own tag when it has one (found
// as the loader finds itself), else a tag added here.
function loaderRan(o) {
  let tag = document.querySelector('script[src*="kustomer-chat.js"]');
  const ours = !tag;
  if (ours) {
    tag = document.createElement('script');
    tag.src = o.serverUrl + '/sdk/kustomer-chat.js';
    tag.async = true;
    const data = {
      apiKey: o.apiKey,
      serverUrl: o.serverUrl,
      launcher: o.launcher ? undefined : 'none',
      position: o.position === 'left' ? 'left' : undefined,
      color: o.color,
      title: o.title,
      greeting: o.greeting,
    };
    for (const [k, v] of Object.entries(data)) if (v !== undefined) tag.dataset[k] = v;
  }
  const ran = new Promise((resolve, reject) => {
    tag.addEventListener('load', () => {
      if (isLoader(window.KustomerChat)) resolve();
      else reject(chatError('INTERNAL', `${tag.src} did not define KustomerChat`));
    }, { once: true });
    tag.addEventListener('error', () => {
      if (ours) tag.remove(); // a later call adds a fresh one
      reject(chatError('NETWORK_ERROR', `could not load the chat loader from ${tag.src}: the chat service is unreachable or has no SDK there`));
    }, { once: true });
  });
  if (ours) document.head.appendChild(tag);
  return ran;
}

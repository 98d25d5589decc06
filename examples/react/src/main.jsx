// A React site with its own sign-in, and the chat tied to it by useKustomerChat.
import { useState } from 'react';
import { createRoot } from 'react-dom/client';
import { useKustomerChat } from './useKustomerChat.js';

// The chat service: `make run` at the repository root, or ?server=URL. Its development
// routes stand in for what a real site has itself: the public API key in its
// configuration, and its backend signing the chat's login token for the signed-in user
// with the org's secret (examples/node-backend, examples/go-backend), never for an
// email the browser names.
const SERVER_URL = new URLSearchParams(location.search).get('server') || 'http://127.0.0.1:8080';
const { apiKey } = await post('/v1/dev/config', null);

async function post(path, body) {
  const r = await fetch(SERVER_URL + path, body === null ? {} : { method: 'POST', headers: { 'Content-Type': 'application/json' }, body: JSON.stringify(body) });
  if (!r.ok) throw new Error(`${path}: HTTP ${r.status}`);
  return r.json();
}

// The site's session, kept across page loads.
const SESSION = 'react-example:user';
const storedUser = () => JSON.parse(localStorage.getItem(SESSION) || 'null');

// One function for the page's lifetime: the chat is loaded once with it, and asks it
// for a fresh token when a logged-in visitor's chat session ends.
const getToken = () => post('/v1/dev/token', { email: storedUser().email }).then((b) => b.jwt);

function App() {
  const [user, setUser] = useState(storedUser);
  const { chat, error } = useKustomerChat({ serverUrl: SERVER_URL, apiKey, title: 'Fernhill help', getToken }, user);

  const signIn = (event) => {
    event.preventDefault();
    const next = { email: new FormData(event.currentTarget).get('email') };
    localStorage.setItem(SESSION, JSON.stringify(next));
    setUser(next);
  };
  const signOut = () => {
    localStorage.removeItem(SESSION);
    setUser(null);
  };

  return (
    <main>
      <h1>Fernhill Goods</h1>
      {user ? (
        <p>Signed in as {user.email} <button type="button" onClick={signOut}>Sign out</button></p>
      ) : (
        <form onSubmit={signIn}>
          <label>Email <input name="email" type="email" required /></label> <button>Sign in</button>
        </form>
      )}
      <p>
        <button type="button" disabled={!chat} onClick={() => chat.open()}>Help</button>
        {error && <span role="alert"> The chat is unavailable: {error.message}</span>}
      </p>
    </main>
  );
}

createRoot(document.getElementById('root')).render(<App />);

import { type FormEvent, useState } from 'react';
import { ErrorBox } from '../components/Status';
import { useSession } from '../session';

export function SignIn() {
  const session = useSession();
  const [token, setToken] = useState('');
  const [problem, setProblem] = useState<string | null>(null);
  const [busy, setBusy] = useState(false);

  const submit = async (e: FormEvent) => {
    e.preventDefault();
    setBusy(true);
    setProblem(await session.signIn(token));
    setBusy(false);
  };

  return (
    <main className="signin">
      <form onSubmit={(e) => void submit(e)} aria-labelledby="signin-h">
        <h1 id="signin-h">Flotilla</h1>
        <p className="muted">Sign in with an API token. It is kept for this browser tab only.</p>
        {session.ended ? <p className="notice">{session.ended}</p> : null}
        <label>
          API token
          <input type="password" autoComplete="off" autoFocus value={token} onChange={(e) => setToken(e.target.value)} name="token" required />
        </label>
        <ErrorBox error={problem} />
        <button type="submit" className="primary" disabled={busy}>
          Sign in
        </button>
        <p className="muted small">
          Tokens are made by an admin: <code>POST /api/v1/tokens</code> or <code>flotilla token create</code>.
        </p>
      </form>
    </main>
  );
}

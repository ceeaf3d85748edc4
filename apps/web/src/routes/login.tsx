import { loginSchema, passwordSchema } from '@gatehouse/shared';
import { useMutation } from '@tanstack/react-query';
import { type FormEvent, useRef, useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { api, isApiError, unwrap } from '../api/client';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { signOutIntent, useLogin, useMe } from '../features/auth/queries';
import { type FieldErrors, focusFirstError, serverErrors, zodFieldErrors } from '../lib/form-errors';
import { useDocumentTitle } from '../lib/use-document-title';

/** Only same-site paths, never another origin. */
function safeReturnPath(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') && !from.startsWith('/login')
    ? from
    : '/';
}

export default function LoginPage() {
  useDocumentTitle('Log in');
  const location = useLocation();
  const navigate = useNavigate();
  const me = useMe();
  const login = useLogin();
  const formRef = useRef<HTMLFormElement>(null);
  const [username, setUsername] = useState('');
  const [password, setPassword] = useState('');
  const [errors, setErrors] = useState<FieldErrors>({});
  const [message, setMessage] = useState<string | null>(null);
  // An expired password (the server said so only because the password was right): choose a new one.
  const [expired, setExpired] = useState<string | null>(null);
  const [newPassword, setNewPassword] = useState('');
  const [confirm, setConfirm] = useState('');
  const change = useMutation({
    mutationFn: (input: { username: string; password: string; newPassword: string }) =>
      unwrap(api.auth['expired-password'].$post({ json: input })),
    meta: { inlineErrors: true },
  });
  const returnTo = safeReturnPath(location.state);

  if (me.isPending) return <Loading label="Loading Gatehouse…" />;
  if (me.data && !login.isPending && !login.isSuccess) return <Navigate to={returnTo} replace />;

  function onSubmit(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setMessage(null);
    const parsed = loginSchema.safeParse({ username, password });
    if (!parsed.success) {
      setErrors(zodFieldErrors(parsed.error));
      requestAnimationFrame(() => focusFirstError(formRef.current));
      return;
    }
    setErrors({});
    signIn(parsed.data);
  }

  function signIn(input: { username: string; password: string }) {
    login.mutate(input, {
      onSuccess: () => {
        signOutIntent.explicit = false;
        navigate(returnTo, { replace: true });
      },
      onError: (err) => {
        if (isApiError(err) && err.code === 'passwordexpired') {
          setExpired(err.message);
          setMessage(null);
          requestAnimationFrame(() =>
            formRef.current?.querySelector<HTMLElement>('input[name="newPassword"]')?.focus(),
          );
          return;
        }
        const { fields, message: msg } = serverErrors(err, ['username', 'password']);
        setErrors(fields);
        setMessage(msg);
      },
    });
  }

  function onChange(e: FormEvent<HTMLFormElement>) {
    e.preventDefault();
    setMessage(null);
    const parsed = passwordSchema.safeParse(newPassword);
    const next: FieldErrors = {};
    if (!parsed.success) next.newPassword = parsed.error.issues[0]?.message ?? 'Choose another password';
    else if (confirm !== newPassword) next.confirm = 'The two passwords differ';
    setErrors(next);
    if (Object.keys(next).length) {
      requestAnimationFrame(() => focusFirstError(formRef.current));
      return;
    }
    const input = { username: username.trim(), password, newPassword };
    change.mutate(input, {
      onSuccess: () => {
        setExpired(null);
        setPassword(newPassword);
        signIn({ username: input.username, password: newPassword });
      },
      onError: (err) => {
        const { fields, message: msg } = serverErrors(err, ['newPassword']);
        setErrors(fields);
        setMessage(msg);
        // Anything but a refused new password starts over from the login form.
        if (!fields.newPassword) setExpired(null);
      },
    });
  }

  return (
    <main className="flex min-h-screen items-start justify-center bg-slate-100 px-4 pt-24">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-center gap-2">
          <img src="/favicon.svg" alt="" className="size-9" />
          <span className="text-2xl font-semibold tracking-tight">Gatehouse</span>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="mb-4 text-xl font-semibold">{expired ? 'Choose a new password' : 'Log in to Gatehouse'}</h1>
          {message && (
            <Alert tone="error" className="mb-4">
              {message}
            </Alert>
          )}
          {expired && (
            <Alert tone="info" className="mb-4">
              {expired}
            </Alert>
          )}
          {!message && !expired && returnTo !== '/' && (
            <Alert tone="info" className="mb-4">
              Log in to continue to the page you asked for.
            </Alert>
          )}
          {expired ? (
            <form ref={formRef} onSubmit={onChange} noValidate className="space-y-4">
              <TextField
                label="New password"
                name="newPassword"
                type="password"
                autoComplete="new-password"
                value={newPassword}
                onChange={(e) => setNewPassword(e.target.value)}
                error={errors.newPassword}
                required
              />
              <TextField
                label="New password again"
                name="confirm"
                type="password"
                autoComplete="new-password"
                value={confirm}
                onChange={(e) => setConfirm(e.target.value)}
                error={errors.confirm}
                required
              />
              <Button type="submit" variant="primary" className="w-full" busy={change.isPending || login.isPending}>
                Change password and log in
              </Button>
              <Button type="button" className="w-full" onClick={() => setExpired(null)}>
                Back
              </Button>
            </form>
          ) : (
            <form ref={formRef} onSubmit={onSubmit} noValidate className="space-y-4">
              <TextField
                label="Username"
                name="username"
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                value={username}
                onChange={(e) => setUsername(e.target.value)}
                error={errors.username}
                required
              />
              <TextField
                label="Password"
                name="password"
                type="password"
                autoComplete="current-password"
                value={password}
                onChange={(e) => setPassword(e.target.value)}
                error={errors.password}
                required
              />
              <Button type="submit" variant="primary" className="w-full" busy={login.isPending}>
                Log in
              </Button>
            </form>
          )}
        </div>
      </div>
    </main>
  );
}

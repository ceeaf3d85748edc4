import { loginSchema, passwordSchema } from '@gatehouse/shared';
import { useMutation } from '@tanstack/react-query';
import { useEffect, useRef, useState } from 'react';
import { Navigate, useLocation, useNavigate } from 'react-router';
import { z } from 'zod';
import { api, isApiError, unwrap } from '../api/client';
import { useConsoleForm } from '../components/forms/use-console-form';
import { Alert } from '../components/ui/alert';
import { Button } from '../components/ui/button';
import { TextField } from '../components/ui/form-field';
import { Loading } from '../components/ui/loading';
import { signOutIntent, useLogin, useMe } from '../features/auth/queries';
import { serverErrors } from '../lib/form-errors';
import { useDocumentTitle } from '../lib/use-document-title';

/** Only same-site paths, never another origin. */
function safeReturnPath(state: unknown): string {
  const from = (state as { from?: unknown } | null)?.from;
  return typeof from === 'string' && from.startsWith('/') && !from.startsWith('//') && !from.startsWith('/login')
    ? from
    : '/';
}

/** The new password twice, checked as the server checks it (passwordSchema) and against each other. */
const newPasswordSchema = z
  .object({ newPassword: passwordSchema, confirm: z.string() })
  .refine((v) => v.confirm === v.newPassword, { message: 'The two passwords differ', path: ['confirm'] });

interface LoginValues {
  username: string;
  password: string;
}

interface NewPasswordValues {
  newPassword: string;
  confirm: string;
}

/** What a sign-in answered: in, or the password has expired (the server said so only because it was right). */
type SignInOutcome = { expired: false } | { expired: true; message: string };

export default function LoginPage() {
  useDocumentTitle('Log in');
  const location = useLocation();
  const navigate = useNavigate();
  const me = useMe();
  const login = useLogin();
  // An expired password: choose a new one.
  const [expired, setExpired] = useState<string | null>(null);
  const change = useMutation({
    mutationFn: (input: { username: string; password: string; newPassword: string }) =>
      unwrap(api.auth['expired-password'].$post({ json: input })),
    meta: { inlineErrors: true },
  });
  const returnTo = safeReturnPath(location.state);
  // Neither form asks before leaving nor keeps a draft: signing in is not unsaved work, and
  // passwords are never kept.
  const loginForm = useConsoleForm<LoginValues>({
    mode: 'create',
    defaultValues: { username: '', password: '' },
    schema: loginSchema,
    unguarded: true,
  });
  const passwordForm = useConsoleForm<NewPasswordValues>({
    mode: 'create',
    defaultValues: { newPassword: '', confirm: '' },
    schema: newPasswordSchema,
    unguarded: true,
  });

  // The new-password form takes the focus once it is on the page, and the login form's password
  // once Back (or a failed change) returns to it. The effect runs after React has mounted the form;
  // a frame callback could run before that render, and then focus nothing.
  const choosing = expired !== null;
  const wasChoosing = useRef(false);
  useEffect(() => {
    if (choosing) passwordForm.form.setFocus('newPassword');
    else if (wasChoosing.current) loginForm.form.setFocus('password');
    wasChoosing.current = choosing;
  }, [choosing, passwordForm.form, loginForm.form]);

  if (me.isPending) return <Loading label="Loading Gatehouse…" />;
  if (me.data && !login.isPending && !login.isSuccess) return <Navigate to={returnTo} replace />;

  /** Signs in; an expired password is an outcome (the new-password form), not an error. */
  async function signIn(input: { username: string; password: string }): Promise<SignInOutcome> {
    try {
      await login.mutateAsync(input);
    } catch (err) {
      if (isApiError(err) && err.code === 'passwordexpired') return { expired: true, message: err.message };
      throw err;
    }
    signOutIntent.explicit = false;
    navigate(returnTo, { replace: true });
    return { expired: false };
  }

  const onSubmit = loginForm.submit((body) => signIn(body as unknown as LoginValues), {
    successText: () => null,
    onSaved: (outcome) => {
      if (!outcome.expired) return;
      passwordForm.form.reset();
      passwordForm.setMessage(null);
      setExpired(outcome.message);
    },
  });

  const onChange = passwordForm.submit(
    async (body) => {
      const { username, password } = loginForm.form.getValues();
      const { newPassword } = body as unknown as NewPasswordValues;
      try {
        await change.mutateAsync({ username: username.trim(), password, newPassword });
      } catch (err) {
        // Anything but a refused new password starts over from the login form, saying why.
        const refused = isApiError(err) && Object.keys(err.fields).some((f) => f === 'newPassword');
        if (!refused) {
          setExpired(null);
          loginForm.setMessage({ tone: 'error', text: serverErrors(err, []).message });
          return { changed: false as const };
        }
        throw err;
      }
      loginForm.form.setValue('password', newPassword);
      return { changed: true as const, outcome: await signIn({ username: username.trim(), password: newPassword }) };
    },
    {
      successText: () => null,
      onSaved: (r) => {
        if (r.changed && !r.outcome.expired) setExpired(null);
      },
    },
  );

  const field = loginForm.form.register;
  const { errorOf } = loginForm;
  const newField = passwordForm.form.register;

  return (
    <main className="flex min-h-screen items-start justify-center bg-slate-100 px-4 pt-24">
      <div className="w-full max-w-sm">
        <div className="mb-6 flex items-center justify-center gap-2">
          <img src="/favicon.svg" alt="" className="size-9" />
          <span className="text-2xl font-semibold tracking-tight">Gatehouse</span>
        </div>
        <div className="rounded-lg border border-slate-200 bg-white p-6 shadow-sm">
          <h1 className="mb-4 text-xl font-semibold">{expired ? 'Choose a new password' : 'Log in to Gatehouse'}</h1>
          {expired ? passwordForm.banner : loginForm.banner}
          {expired && (
            <Alert tone="info" className="mb-4">
              {expired}
            </Alert>
          )}
          {!loginForm.message && !expired && returnTo !== '/' && (
            <Alert tone="info" className="mb-4">
              Log in to continue to the page you asked for.
            </Alert>
          )}
          {expired ? (
            <form onSubmit={onChange} noValidate className="space-y-4">
              <TextField
                label="New password"
                type="password"
                autoComplete="new-password"
                {...newField('newPassword')}
                error={passwordForm.errorOf('newPassword')}
                required
              />
              <TextField
                label="New password again"
                type="password"
                autoComplete="new-password"
                {...newField('confirm')}
                error={passwordForm.errorOf('confirm')}
                required
              />
              <Button
                type="submit"
                variant="primary"
                className="w-full"
                busy={passwordForm.saving || change.isPending || login.isPending}
              >
                Change password and log in
              </Button>
              <Button type="button" className="w-full" onClick={() => setExpired(null)}>
                Back
              </Button>
            </form>
          ) : (
            <form onSubmit={onSubmit} noValidate className="space-y-4">
              <TextField
                label="Username"
                autoComplete="username"
                autoCapitalize="none"
                spellCheck={false}
                {...field('username')}
                error={errorOf('username')}
                required
              />
              <TextField
                label="Password"
                type="password"
                autoComplete="current-password"
                {...field('password')}
                error={errorOf('password')}
                required
              />
              <Button type="submit" variant="primary" className="w-full" busy={loginForm.saving || login.isPending}>
                Log in
              </Button>
            </form>
          )}
        </div>
      </div>
    </main>
  );
}

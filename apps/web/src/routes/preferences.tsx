import { Link } from 'react-router';
import { Page, Section } from '../components/layout/page';
import { useCurrentUser } from '../features/auth/queries';

export default function PreferencesPage() {
  const me = useCurrentUser();
  return (
    <Page title="Preferences" description={`Signed in as ${me.fullname || me.username} (${me.username}).`}>
      <Section title="User account">
        <dl className="grid max-w-lg grid-cols-[10rem_1fr] gap-y-2 rounded-md border border-slate-200 bg-white p-5 text-sm">
          <dt className="font-medium text-slate-600">Name</dt>
          <dd>{me.fullname || '—'}</dd>
          <dt className="font-medium text-slate-600">Username</dt>
          <dd>{me.username}</dd>
          <dt className="font-medium text-slate-600">Site administrator</dt>
          <dd>{me.siteAdmin ? 'Yes' : 'No'}</dd>
        </dl>
      </Section>
      <Section title="Security keys">
        <p className="text-sm text-slate-600">
          Your keys (tokens) for web services: see when each is valid until and when it was last used, and reset one
          that is lost or leaked.{' '}
          <Link to="/preferences/keys" className="font-medium text-blue-700 hover:underline">
            Manage your security keys
          </Link>
        </p>
      </Section>
    </Page>
  );
}

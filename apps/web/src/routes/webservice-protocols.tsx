import {
  PROTOCOL_LABELS,
  PROTOCOL_SUPPORT,
  PROTOCOLS,
  type Protocol,
  parseProtocols,
  type Settings,
} from '@gatehouse/shared';
import { type FormEvent, useState } from 'react';
import { Link } from 'react-router';
import { useLeaveGuard } from '../components/forms/leave-guard';
import { Page, Section } from '../components/layout/page';
import { Alert } from '../components/ui/alert';
import { Badge } from '../components/ui/badge';
import { Button } from '../components/ui/button';
import { CheckboxField } from '../components/ui/form-field';
import { RowTh, Table, TBody, Td, THead, Th } from '../components/ui/table';
import { useUpdateSettings } from '../features/settings/queries';
import { SaveOutcome } from '../features/settings/setting-changes';
import { SettingMeta, SettingsCard, SettingsLoader } from '../features/settings/settings-loader';

function ProtocolsForm({ settings }: { settings: Settings }) {
  const save = useUpdateSettings();
  const [docs, setDocs] = useState(settings.enablewsdocumentation === '1');
  const leave = useLeaveGuard(docs !== (settings.enablewsdocumentation === '1'));
  const active = parseProtocols(settings.webserviceprotocols);
  const pending = save.isPending ? save.variables?.webserviceprotocols : undefined;

  function toggle(p: Protocol) {
    const next = active.includes(p) ? active.filter((x) => x !== p) : [...active, p];
    save.mutate({ webserviceprotocols: PROTOCOLS.filter((x) => next.includes(x)).join(',') });
  }

  function onSubmit(e: FormEvent) {
    e.preventDefault();
    save.mutate({ enablewsdocumentation: docs ? '1' : '0' });
  }

  return (
    <>
      {settings.enablewebservices !== '1' && (
        <Alert tone="warning" className="mb-6">
          Web services are disabled: no protocol will answer until you enable web services in{' '}
          <Link to="/admin/advanced-features" className="font-medium underline">
            Advanced features
          </Link>
          .
        </Alert>
      )}
      <SaveOutcome changes={save.data?.changes} error={save.error} />

      <Section
        title="Active web service protocols"
        description={
          <>
            A client can only call functions over a protocol that is enabled here, and its user needs that
            protocol&apos;s use capability (for example <code>webservice/rest:use</code>).
            <SettingMeta name="webserviceprotocols" defaultLabel="none" />
          </>
        }
      >
        <Table caption="Active web service protocols">
          <THead>
            <Th>Protocol</Th>
            <Th>Status</Th>
            <Th>
              <span className="sr-only">Actions</span>
            </Th>
          </THead>
          <TBody>
            {PROTOCOLS.map((p) => {
              const on = active.includes(p);
              return (
                <tr key={p}>
                  <RowTh className="whitespace-normal">
                    {PROTOCOL_LABELS[p]}
                    <span className="ml-2 text-xs font-normal text-slate-500">
                      <code>webservice/{p}:use</code>
                    </span>
                    <span className="mt-0.5 block text-xs font-normal text-slate-600">{PROTOCOL_SUPPORT[p].note}</span>
                  </RowTh>
                  <Td>
                    <span className="flex flex-wrap gap-1">
                      {on ? <Badge tone="green">Enabled</Badge> : <Badge>Disabled</Badge>}
                    </span>
                  </Td>
                  <Td className="text-right">
                    <Button
                      size="sm"
                      variant={on ? 'secondary' : 'primary'}
                      onClick={() => toggle(p)}
                      disabled={save.isPending}
                      busy={pending !== undefined && parseProtocols(pending).includes(p) !== on}
                    >
                      {on ? 'Disable' : 'Enable'}
                      <span className="sr-only"> {PROTOCOL_LABELS[p]}</span>
                    </Button>
                  </Td>
                </tr>
              );
            })}
          </TBody>
        </Table>
      </Section>

      <Section title="Documentation">
        <form onSubmit={onSubmit} noValidate>
          {leave.prompt}
          <SettingsCard
            footer={
              <Button
                type="submit"
                variant="primary"
                busy={save.isPending && save.variables?.enablewsdocumentation !== undefined}
              >
                Save changes
              </Button>
            }
          >
            <CheckboxField
              label="Web services documentation"
              name="enablewsdocumentation"
              checked={docs}
              onChange={(e) => setDocs(e.target.checked)}
              hint={
                <>
                  Enable this to let users see the documentation of the functions their security keys can call, on their
                  Security keys page (Preferences). The documentation is generated from the function catalogue and
                  limited to the enabled protocols.
                  <SettingMeta name="enablewsdocumentation" defaultLabel="No" />
                </>
              }
            />
          </SettingsCard>
        </form>
      </Section>
    </>
  );
}

export default function ManageProtocolsPage() {
  return (
    <Page
      title="Manage protocols"
      cap="moodle/site:config"
      description="Plugins › Web services › Manage protocols: choose which protocols external systems may use."
    >
      <SettingsLoader>{(settings) => <ProtocolsForm settings={settings} />}</SettingsLoader>
    </Page>
  );
}

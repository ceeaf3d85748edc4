import type { ServiceCreate } from '@gatehouse/shared';
import { useNavigate } from 'react-router';
import { Page } from '../components/layout/page';
import { useCreateService } from '../features/services/queries';
import { ServiceForm } from '../features/services/service-form';

const BASE = '/admin/webservice/services';

export default function NewServicePage() {
  const create = useCreateService();
  const navigate = useNavigate();
  return (
    <Page
      title="Add service"
      cap="moodle/site:config"
      back={{ to: BASE, label: 'External services' }}
      description="A custom service starts empty: once it is added, choose the functions it offers."
    >
      <ServiceForm
        onSave={(payload) => create.mutateAsync(payload as ServiceCreate)}
        onSaved={(s) =>
          navigate(`${BASE}/${s.id}/functions`, {
            state: { flash: `Added the service ${s.name}. It has no functions yet: click Add functions.` },
          })
        }
      />
    </Page>
  );
}

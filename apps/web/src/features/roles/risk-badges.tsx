import type { CapabilityRisk } from '@gatehouse/shared';
import { Badge, type BadgeTone } from '../../components/ui/badge';

const RISKS: Record<CapabilityRisk, { label: string; tone: BadgeTone; title: string }> = {
  config: { label: 'Configuration', tone: 'amber', title: 'Users could change site configuration and behaviour' },
  personal: { label: 'Privacy', tone: 'blue', title: 'Users could gain access to private information of other users' },
  xss: { label: 'XSS', tone: 'red', title: 'Users could add files and texts that allow cross-site scripting' },
  dataloss: { label: 'Data loss', tone: 'red', title: 'Users could destroy large amounts of content or information' },
  spam: { label: 'Spam', tone: 'purple', title: 'Users could send spam to site users or others' },
  managetrust: { label: 'Trust', tone: 'amber', title: 'Users could change trust settings of other users' },
};

export function RiskBadges({ risks }: { risks: CapabilityRisk[] }) {
  if (!risks.length) return <span className="text-slate-400">—</span>;
  return (
    <span className="flex flex-wrap gap-1">
      {risks.map((r) => (
        <span key={r} title={RISKS[r].title}>
          <Badge tone={RISKS[r].tone}>
            {RISKS[r].label}
            <span className="sr-only"> risk</span>
          </Badge>
        </span>
      ))}
    </span>
  );
}

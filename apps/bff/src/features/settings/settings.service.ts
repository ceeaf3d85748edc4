import {
  type Protocol,
  parseProtocols,
  SETTING_DEFS,
  SETTING_NAMES,
  type SettingName,
  type Settings,
  type SettingsPatch,
} from '@gatehouse/shared';
import type { DbOrTx } from '../../db/client';
import { type WriteActor, type WriteDeps, type WriteScope, withWrite } from '../../db/write';
import { putSetting, settingRows } from './settings.repo';

export interface SettingChange {
  name: SettingName;
  from: string;
  to: string;
}

/**
 * Site settings, held in memory: every web-service call reads several. `ready()` loads them
 * when the database generation has moved (a write here, or a commit by another process): the
 * request middleware awaits it, so a request reads settings as they were when it began, and
 * anything outside a request (the CLI, start-up, tests) awaits it once before reading.
 * Writes go through `apply` (its own write) or `applyIn` (part of a larger one).
 */
export class SettingsService {
  private values: Settings | undefined;
  private parsed: readonly Protocol[] = [];
  private loadedAt = -1;
  private loading: Promise<void> | undefined;

  constructor(private readonly deps: WriteDeps & { gen: { current: number } }) {}

  /** Nothing to wait for when the settings are current; otherwise the reload to await. */
  ready(): Promise<void> | undefined {
    if (this.loadedAt === this.deps.gen.current && this.values) return undefined;
    this.loading ??= this.reload().finally(() => {
      this.loading = undefined;
    });
    return this.loading;
  }

  private async reload(): Promise<void> {
    const at = this.deps.gen.current;
    const values = Object.fromEntries(SETTING_NAMES.map((n) => [n, SETTING_DEFS[n].default])) as Settings;
    for (const row of await settingRows(this.deps.store.db)) {
      if (row.name in values) values[row.name as SettingName] = row.value;
    }
    this.values = values;
    this.parsed = parseProtocols(values.webserviceprotocols);
    this.loadedAt = at;
  }

  private current(): Settings {
    if (!this.values) throw new Error('Settings read before they were loaded: await settings.ready() first');
    return this.values;
  }

  /** The enabled protocols, parsed once per load (every web-service call asks). */
  protocols(): readonly Protocol[] {
    this.current();
    return this.parsed;
  }

  all(): Settings {
    return { ...this.current() };
  }

  get(name: SettingName): string {
    return this.current()[name];
  }

  flag(name: SettingName): boolean {
    return this.get(name) === '1';
  }

  /** Applies an already validated patch as one write, audits each change, and reloads. */
  async apply(patch: SettingsPatch, actor: WriteActor): Promise<SettingChange[]> {
    const changes = await withWrite(this.deps, (tx, w) => this.applyIn(tx, w, patch, actor));
    await this.ready();
    return changes;
  }

  /** Applies a patch inside a larger write (its caller awaits `ready()` after the commit). */
  async applyIn(tx: DbOrTx, w: WriteScope, patch: SettingsPatch, actor: WriteActor): Promise<SettingChange[]> {
    const stored = new Map((await settingRows(tx)).map((r) => [r.name, r.value]));
    const changes: SettingChange[] = [];
    for (const name of SETTING_NAMES) {
      const to = patch[name];
      const from = stored.get(name) ?? SETTING_DEFS[name].default;
      if (to === undefined || to === from) continue;
      changes.push({ name, from, to });
    }
    for (const c of changes) {
      await putSetting(tx, c.name, c.to);
      w.audit(actor, {
        action: 'config.set',
        targetType: 'config',
        targetId: c.name,
        summary: `Changed ${c.name} from "${c.from}" to "${c.to}"`,
        details: { from: c.from, to: c.to },
      });
    }
    if (changes.length) w.invalidate({ kind: 'settings' });
    return changes;
  }
}

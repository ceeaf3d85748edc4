import {
  type Protocol,
  parseProtocols,
  SETTING_DEFS,
  SETTING_NAMES,
  type SettingName,
  type Settings,
  type SettingsPatch,
} from '@gatehouse/shared';
import type { Db, DbOrTx, Tx } from '../../db/client';
import { config } from '../../db/schema';
import { type Generation, GenerationCache } from '../../lib/generation';
import { type Actor, writeAudit } from '../audit/audit.service';

export interface SettingChange {
  name: SettingName;
  from: string;
  to: string;
}

/** Site settings: read from a cache that follows the database generation, written with an audit row each. */
export class SettingsService {
  private readonly cache: GenerationCache<Settings>;
  private readonly parsedProtocols: GenerationCache<readonly Protocol[]>;

  constructor(
    private readonly db: Db,
    private readonly gen: Generation,
  ) {
    this.parsedProtocols = new GenerationCache(gen, () => parseProtocols(this.cache.get().webserviceprotocols));
    this.cache = new GenerationCache(gen, () => {
      const values = Object.fromEntries(SETTING_NAMES.map((n) => [n, SETTING_DEFS[n].default])) as Settings;
      for (const row of db.select().from(config).all()) {
        if (row.name in values) values[row.name as SettingName] = row.value;
      }
      return values;
    });
  }

  /** The enabled protocols, parsed once a generation (every web-service call asks). */
  protocols(): readonly Protocol[] {
    return this.parsedProtocols.get();
  }

  all(): Settings {
    return { ...this.cache.get() };
  }

  get(name: SettingName): string {
    return this.cache.get()[name];
  }

  flag(name: SettingName): boolean {
    return this.get(name) === '1';
  }

  /** Applies an already validated patch in the caller's transaction (or its own) and audits each change. */
  apply(patch: SettingsPatch, actor: Actor, tx?: Tx): SettingChange[] {
    const current = this.cache.get();
    const changes: SettingChange[] = [];
    for (const name of SETTING_NAMES) {
      const to = patch[name];
      if (to === undefined || to === current[name]) continue;
      changes.push({ name, from: current[name], to });
    }
    if (!changes.length) return changes;
    const write = (tx: DbOrTx) => {
      for (const c of changes) {
        tx.insert(config)
          .values({ name: c.name, value: c.to })
          .onConflictDoUpdate({ target: config.name, set: { value: c.to } })
          .run();
        writeAudit(tx, actor, {
          action: 'config.set',
          targetType: 'config',
          targetId: c.name,
          summary: `Changed ${c.name} from "${c.from}" to "${c.to}"`,
          details: { from: c.from, to: c.to },
        });
      }
    };
    if (tx) write(tx);
    else this.db.transaction(write);
    this.gen.bump();
    return changes;
  }
}

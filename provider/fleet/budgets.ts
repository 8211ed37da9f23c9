/**
 * Application-wide budgets shared by the tenants of a fleet, and each tenant's share of them.
 *
 * A multi-tenant Entra application has one Graph budget across all its tenants (70,000 writes per
 * 5 minutes, 150,000 resource units per 20 seconds), on top of each tenant's own (3,000 writes per
 * 150 seconds; 3,500 to 8,000 resource units per 10 seconds). Each tenant's provider paces itself to
 * its own settings in its own process, so pacing alone lets a fleet spend more than the application
 * has. The fleet therefore (1) lowers each tenant's quota setting to its share: the budget split
 * among the tenants that may run at once, and (2) starts a tenant only while the budgets it uses
 * have room, counting for each finished tenant what it may still be spending in the budget's window.
 */
import type { Summary } from "../summary/groupSummary";
import type { FleetBudgets, Tenant, TenantSettingKey } from "./tenantsFile";

export const GRAPH_APP_WRITES_PER_5_MINUTES = 70_000;
export const GRAPH_APP_RESOURCE_UNITS_PER_20_SECONDS = 150_000;
const GRAPH_TENANT_WRITES_PER_150_SECONDS = 3_000;
const GRAPH_TENANT_RESOURCE_UNITS_PER_10_SECONDS = 3_500;
const GOOGLE_USER_QUERIES_PER_MINUTE = 2_400;

export interface Budget {
  id: string;
  /** What it is, for the summary: `Graph writes of application 1111… (70,000 per 5 min)`. */
  label: string;
  amount: number;
  windowMs: number;
  /** Writes budgets are spent by `up` only; request budgets by every operation. */
  kind: "writes" | "requests";
  service: "google" | "entra";
  /** How many tenants of the fleet share it. */
  tenants: number;
}

/** What a tenant reserves of a budget while it runs (its share, in the budget's own window). */
export interface BudgetUse {
  budget: string;
  amount: number;
}

export interface TenantShare {
  /** Quota settings lowered to the tenant's share (only those below what the tenant would use anyway). */
  settings: Partial<Record<TenantSettingKey, string>>;
  uses: BudgetUse[];
}

export interface SharePlan {
  budgets: Map<string, Budget>;
  shares: Map<string, TenantShare>;
}

const setting = (t: Tenant, key: TenantSettingKey, fallback: number) => {
  const n = Number(t.settings[key]);
  return Number.isInteger(n) && n > 0 ? n : fallback;
};

/**
 * Each tenant's share of the budgets it belongs to: at most `concurrency` tenants of a budget run
 * at once, so each may spend the budget divided by that many (never more than its own quota).
 */
export function planShares(tenants: readonly Tenant[], concurrency: number, budgets: FleetBudgets = {}): SharePlan {
  const groups = new Map<string, { budget: Omit<Budget, "tenants">; members: Tenant[]; share: (t: Tenant, k: number) => { key: TenantSettingKey; own: number; value: number; reserve: number } }>();
  const join = (id: string, make: () => Omit<Budget, "tenants">, share: (t: Tenant, k: number) => { key: TenantSettingKey; own: number; value: number; reserve: number }, tenant: Tenant) => {
    if (!groups.has(id)) groups.set(id, { budget: make(), members: [], share });
    groups.get(id)!.members.push(tenant);
  };
  for (const t of tenants) {
    if (t.entra) {
      const app = t.settings.entraClientId ?? "(AZURE_CLIENT_ID)";
      const writes = budgets.graphWritesPer5Minutes ?? GRAPH_APP_WRITES_PER_5_MINUTES;
      // The tenant's limiter holds `value` per 150 s, so it may spend twice that in any 5 minutes.
      join(`graph-writes:${app}`, () => ({ id: `graph-writes:${app}`, label: `Graph writes of application ${app} (${writes.toLocaleString("en-US")} per 5 min)`, amount: writes, windowMs: 300_000, kind: "writes", service: "entra" }),
        (x, k) => {
          const own = setting(x, "graphWritesPer150Seconds", GRAPH_TENANT_WRITES_PER_150_SECONDS);
          const value = Math.max(1, Math.min(own, Math.floor(writes / 2 / k)));
          return { key: "graphWritesPer150Seconds", own, value, reserve: 2 * value };
        }, t);
      const units = budgets.graphResourceUnitsPer20Seconds ?? GRAPH_APP_RESOURCE_UNITS_PER_20_SECONDS;
      join(`graph-units:${app}`, () => ({ id: `graph-units:${app}`, label: `Graph resource units of application ${app} (${units.toLocaleString("en-US")} per 20 s)`, amount: units, windowMs: 20_000, kind: "requests", service: "entra" }),
        (x, k) => {
          const own = setting(x, "graphResourceUnitsPer10Seconds", GRAPH_TENANT_RESOURCE_UNITS_PER_10_SECONDS);
          const value = Math.max(1, Math.min(own, Math.floor(units / 2 / k)));
          return { key: "graphResourceUnitsPer10Seconds", own, value, reserve: 2 * value };
        }, t);
    }
    if (t.google) {
      const key = t.settings.googleCredentialsFile ?? "(GOOGLE_APPLICATION_CREDENTIALS)";
      // Google's per-user quota: tenants that impersonate the same admin through the same project share it.
      const admin = `${key} as ${t.settings.googleAdminEmail ?? "(GROUP_EXPORT_GOOGLE_ADMIN_EMAIL)"}`;
      join(`google-user:${admin}`, () => ({ id: `google-user:${admin}`, label: `Directory API queries of ${admin} (per minute)`, amount: setting(t, "googleQuotaPerMinute", GOOGLE_USER_QUERIES_PER_MINUTE), windowMs: 60_000, kind: "requests", service: "google" }),
        (x, k) => {
          const own = setting(x, "googleQuotaPerMinute", GOOGLE_USER_QUERIES_PER_MINUTE);
          const value = Math.max(1, Math.min(own, Math.floor(groups.get(`google-user:${admin}`)!.budget.amount / k)));
          return { key: "googleQuotaPerMinute", own, value, reserve: value };
        }, t);
      const project = budgets.googleQueriesPerMinutePerProject;
      if (project !== undefined) {
        join(`google-project:${key}`, () => ({ id: `google-project:${key}`, label: `Directory API queries of the project of ${key} (${project.toLocaleString("en-US")} per minute)`, amount: project, windowMs: 60_000, kind: "requests", service: "google" }),
          (x, k) => {
            const own = setting(x, "googleQuotaPerMinute", GOOGLE_USER_QUERIES_PER_MINUTE);
            const value = Math.max(1, Math.min(own, Math.floor(project / k)));
            return { key: "googleQuotaPerMinute", own, value, reserve: value };
          }, t);
      }
    }
  }
  const plan: SharePlan = { budgets: new Map(), shares: new Map(tenants.map((t) => [t.name, { settings: {}, uses: [] }])) };
  for (const [id, group] of groups) {
    plan.budgets.set(id, { ...group.budget, amount: Math.max(group.budget.amount, 1), tenants: group.members.length });
    const k = Math.min(concurrency, group.members.length);
    for (const t of group.members) {
      const { key, own, value, reserve } = group.share(t, k);
      const share = plan.shares.get(t.name)!;
      share.uses.push({ budget: id, amount: reserve });
      const lowered = Number(share.settings[key] ?? own);
      if (value < lowered) share.settings[key] = String(value);
    }
  }
  return plan;
}

/**
 * An upper bound of the writes a run made in one service, from its summary: per changed group a
 * few calls (the group, its settings, aliases), then one per member, role, setting and alias.
 */
export function writesOf(summary: Summary | undefined, service: "google" | "entra"): number | undefined {
  if (!summary) return undefined;
  return summary.rows
    .filter((r) => r.service === service || r.service === undefined)
    .reduce((n, r) => n + (r.change === "unchanged" ? 0 : 3) + r.added.length + r.removed.length + r.leaving.reduce((m, l) => m + l.members.length, 0) + r.roles.length + r.settings.length + r.aliasesAdded.length + r.aliasesRemoved.length + r.renames.length, 0);
}

/**
 * The fleet's gate: at most `concurrency` tenants at once, and a tenant starts only while every
 * budget it uses has room for its share, counting running tenants' shares and, for each finished
 * tenant, what it may have spent in the last window (until that window has passed).
 */
export class Admission {
  private running = 0;
  private readonly held = new Map<string, number>();
  private tails: { budget: string; amount: number; until: number }[] = [];
  private readonly waiting: { uses: BudgetUse[]; start: () => void }[] = [];
  private timer: NodeJS.Timeout | undefined;

  constructor(
    private readonly concurrency: number,
    private readonly budgets: ReadonlyMap<string, Budget>,
  ) {}

  /** Resolves when the tenant may start; waiting tenants start in order, a later one when an earlier does not fit. */
  acquire(uses: BudgetUse[]): Promise<void> {
    return new Promise((start) => {
      this.waiting.push({ uses, start });
      this.pump();
    });
  }

  /** A tenant finished; `spent` is what it may still be spending of each budget for one window. */
  release(uses: BudgetUse[], spent: BudgetUse[]): void {
    this.running--;
    for (const u of uses) this.held.set(u.budget, (this.held.get(u.budget) ?? 0) - u.amount);
    const now = Date.now();
    for (const s of spent) {
      const budget = this.budgets.get(s.budget);
      if (budget && s.amount > 0) this.tails.push({ budget: s.budget, amount: s.amount, until: now + budget.windowMs });
    }
    this.pump();
  }

  /** How much of a budget is taken now (running shares and recent spending). */
  inUse(budget: string): number {
    const now = Date.now();
    return (this.held.get(budget) ?? 0) + this.tails.filter((t) => t.budget === budget && t.until > now).reduce((n, t) => n + t.amount, 0);
  }

  private fits(uses: BudgetUse[]): boolean {
    return uses.every((u) => {
      const budget = this.budgets.get(u.budget);
      // A share larger than the whole budget (a tiny budget) still runs, alone.
      return !budget || this.inUse(u.budget) === 0 || this.inUse(u.budget) + u.amount <= budget.amount;
    });
  }

  private pump(): void {
    const now = Date.now();
    this.tails = this.tails.filter((t) => t.until > now);
    for (let i = 0; i < this.waiting.length && this.running < this.concurrency; ) {
      const next = this.waiting[i]!;
      if (!this.fits(next.uses)) {
        i++;
        continue;
      }
      this.waiting.splice(i, 1);
      this.running++;
      for (const u of next.uses) this.held.set(u.budget, (this.held.get(u.budget) ?? 0) + u.amount);
      next.start();
    }
    if (this.timer) clearTimeout(this.timer);
    this.timer = undefined;
    // Someone waits for a budget's window to pass: look again when the next recent spending expires.
    if (this.waiting.length > 0 && this.running < this.concurrency && this.tails.length > 0) {
      const wake = Math.min(...this.tails.map((t) => t.until)) - now;
      this.timer = setTimeout(() => this.pump(), Math.max(wake, 1));
    }
  }
}

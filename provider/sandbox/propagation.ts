/**
 * Eventual consistency, on demand: Google's reads lag its writes (a just-inserted group can
 * 404 on get and be missing from lists; a just-added member is missing from members.list).
 * Objects remember when they were inserted; reads treat them as absent until `delayMs` has
 * passed. The delay applies to earlier inserts too, so setting it to 0 makes all visible.
 */
export class Propagation {
  private readonly insertedAt = new WeakMap<object, number>();

  /**
   * @param delayMs How long a new object is invisible to Directory API reads.
   * @param settingsDelayMs How long a new group is invisible to the Groups Settings API, which
   *   lags the Directory API on its own (a settings call right after a create can 404).
   */
  /** Previous settings a group's Groups Settings reads still answer, and until when (see settingsWritten). */
  private readonly settingsBefore = new WeakMap<object, { settings: unknown; until: number }>();

  /**
   * @param delayMs How long a new object is invisible to Directory API reads.
   * @param settingsDelayMs How long a new group is invisible to the Groups Settings API, which
   *   lags the Directory API on its own (a settings call right after a create can 404).
   * @param settingsStaleMs How long, after a write, the Groups Settings API still answers the
   *   values from before it (stale reads: the Terraform provider re-reads until a read matches).
   */
  constructor(
    public delayMs = 0,
    public settingsDelayMs = 0,
    public settingsStaleMs = 0,
  ) {}

  /** A settings write: reads answer `previous` (the settings before the first write of the window) for `settingsStaleMs`. */
  settingsWritten(group: object, previous: unknown): void {
    if (this.settingsStaleMs === 0) return;
    const open = this.settingsBefore.get(group);
    const until = Date.now() + this.settingsStaleMs;
    this.settingsBefore.set(group, { settings: open && Date.now() < open.until ? open.settings : previous, until });
  }

  /** The stale settings a read of the group answers now, if any. */
  staleSettings(group: object): unknown {
    const before = this.settingsBefore.get(group);
    return before && Date.now() < before.until ? before.settings : undefined;
  }

  inserted(o: object): void {
    this.insertedAt.set(o, Date.now());
  }

  visible(o: object): boolean {
    // No delay: everything is visible, without a lookup per object (lists of 10,000 members).
    if (this.delayMs === 0) return true;
    const at = this.insertedAt.get(o);
    return at === undefined || Date.now() >= at + this.delayMs;
  }

  /** Whether the Groups Settings API sees a group yet: after both delays. */
  visibleToSettings(o: object): boolean {
    const delay = Math.max(this.delayMs, this.settingsDelayMs);
    if (delay === 0) return true;
    const at = this.insertedAt.get(o);
    return at === undefined || Date.now() >= at + delay;
  }
}

/**
 * Eventual consistency, on demand: Google's reads lag its writes (a just-inserted group can
 * 404 on get and be missing from lists; a just-added member is missing from members.list).
 * Objects remember when they were inserted; reads treat them as absent until `delayMs` has
 * passed. The delay applies to earlier inserts too, so setting it to 0 makes all visible.
 */
export class Propagation {
  private readonly insertedAt = new WeakMap<object, number>();

  constructor(public delayMs = 0) {}

  inserted(o: object): void {
    this.insertedAt.set(o, Date.now());
  }

  visible(o: object): boolean {
    // No delay: everything is visible, without a lookup per object (lists of 10,000 members).
    if (this.delayMs === 0) return true;
    const at = this.insertedAt.get(o);
    return at === undefined || Date.now() >= at + this.delayMs;
  }
}

/**
 * Objects this provider process created. Google and Entra make a new group visible to every
 * reader only after a while, so a 404 on a group created moments ago is replication lag and
 * is waited for; a 404 on any other group is the answer (the group is gone). One provider
 * process serves one CLI run, so "created here" means "created by this apply".
 */
const createdHere = new Set<string>();

/** Records that this run created the object (a group) with this id. */
export function markCreatedHere(id: string): void {
  if (id) createdHere.add(id);
}

/** Whether this run created the object: only then is its 404 replication lag. */
export function wasCreatedHere(id: string): boolean {
  return createdHere.has(id);
}

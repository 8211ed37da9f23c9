import { GROUP_SETTING_NAMES, sortedSettings, type GroupSettingName, type GroupSettings } from "./settingsSchema";

/**
 * Pure reconciliation of a group's settings: desired (the managed fields only) vs what the
 * Groups Settings API holds -> the fields to PATCH. Fields the program does not manage are
 * never read into state nor written.
 */

/** Managed settings as stored (state) or desired: name -> the API's string value. */
export type SettingsMap = Partial<Record<GroupSettingName, string>>;

/** The settings resource as the API returns it: every value a string (booleans too), unknown fields kept. */
export type ObservedSettings = Record<string, unknown>;

/** The managed fields' values as the API holds them ("" for a field the API left out). */
export function observedManaged(managed: readonly GroupSettingName[], observed: ObservedSettings): GroupSettings {
  const out: Record<string, string> = {};
  for (const name of managed) {
    const value = observed[name];
    out[name] = value === undefined || value === null ? "" : String(value);
  }
  // Cast: every key is a managed setting name; a value outside the enum (a newer API value, or
  // "" for an absent field) is kept as the API said, so it shows as drift and is reverted.
  return sortedSettings(out as GroupSettings);
}

/**
 * The managed fields whose value differs, with the desired value: the body of one PATCH (empty:
 * nothing to do). `known`: the values this stack last wrote or read (its state); a field whose
 * known value differs is written too, even when the read says it already matches, because the
 * Groups Settings API can answer the values from before a write for a while (a stale read must
 * never skip a write: archive, then un-archive right after).
 */
export function settingsPatch(desired: GroupSettings, observed: ObservedSettings, known?: SettingsMap): GroupSettings {
  const patch: Record<string, string> = {};
  for (const name of GROUP_SETTING_NAMES) {
    const want = desired[name];
    if (want === undefined) continue;
    if (String(observed[name] ?? "") !== want || (known?.[name] !== undefined && known[name] !== want)) patch[name] = want;
  }
  // Cast: keys and values come from `desired`.
  return patch as GroupSettings;
}

/** Whether two managed-settings maps say the same (same fields, same values). */
export function sameSettings(a: SettingsMap | undefined, b: SettingsMap | undefined): boolean {
  const left = a ?? {};
  const right = b ?? {};
  const keys = new Set([...Object.keys(left), ...Object.keys(right)]);
  for (const key of keys) {
    if (left[key as GroupSettingName] !== right[key as GroupSettingName]) return false;
  }
  return true;
}

/** The names of the settings a map manages. */
export function managedNames(settings: SettingsMap | undefined): GroupSettingName[] {
  return GROUP_SETTING_NAMES.filter((name) => settings?.[name] !== undefined);
}

/**
 * The directories a journey starts from: a Google Workspace customer and an Entra tenant that
 * already hold groups a platform team would meet on its first day (strangers, an external
 * member, owners and managers, a nested group, a guest, a service principal, descriptions,
 * aliases, settings), and the catalogue of user groups the generator picks from.
 */
import type { EntraTenantSeed, GoogleTenantSeed } from "../../provider/sandbox";

export const DOMAIN = "example.com";

/** People in both directories; program users, owners and managers are drawn from them. */
export const PEOPLE = ["alice", "bob", "carol", "dave", "erin", "frank", "grace", "heidi"].map((p) => `${p}@${DOMAIN}`);
/** Users of both directories that no user group lists at first: members added by hand. */
export const STRANGERS = ["sam", "tina"].map((p) => `${p}@${DOMAIN}`);
export const EXTERNAL = "partner@gmail.com";
const GUEST_UPN = "gina_partner.com#EXT#@sandbox.onmicrosoft.com";
const SERVICE_PRINCIPAL_ID = "5e000000-0000-4000-8000-000000000001";

/** Stable Entra object ids, so that failures name the same objects run after run. */
const entraId = (n: number) => `00000000-0000-4000-8000-${String(n).padStart(12, "0")}`;
const ENTRA_USERS = [...PEOPLE, ...STRANGERS].map((upn, i) => ({ id: entraId(i + 1), userPrincipalName: upn }));
const GUEST_ID = entraId(90);
const uid = (address: string) => ENTRA_USERS.find((u) => u.userPrincipalName === address)!.id;

/** A user group the generator can add: new ones, and ones matching groups that exist already. */
export interface CatalogueEntry {
  name: string;
  email: string;
  /** Seeded Google group at `email` (adopted), seeded Entra group named `name` (taken over). */
  existsIn: ("google" | "entra")[];
}

export const CATALOGUE: CatalogueEntry[] = [
  { name: "Engineering", email: `engineering@${DOMAIN}`, existsIn: [] },
  { name: "Sales", email: `sales@${DOMAIN}`, existsIn: ["google", "entra"] },
  { name: "Design", email: `design@${DOMAIN}`, existsIn: [] },
  { name: "Support", email: `support@${DOMAIN}`, existsIn: ["google", "entra"] },
  { name: "Ops", email: `ops@${DOMAIN}`, existsIn: ["entra"] },
  { name: "Finance", email: `finance@${DOMAIN}`, existsIn: [] },
  { name: "Marketing", email: `marketing@${DOMAIN}`, existsIn: [] },
];

/** Addresses a group may move to: new ones, and seeded groups nobody exports (a move into an existing group). */
export const SPARE_ADDRESSES = [`team-a@${DOMAIN}`, `team-b@${DOMAIN}`, `all-staff@${DOMAIN}`, `support@${DOMAIN}`];

/** The current user members of a seeded group, as a team listing "who is there" would write them. */
export const SEEDED_USERS: Record<string, string[]> = {
  Sales: [`alice@${DOMAIN}`, `carol@${DOMAIN}`, `dave@${DOMAIN}`],
  Support: [`erin@${DOMAIN}`, `frank@${DOMAIN}`],
  Ops: [`bob@${DOMAIN}`, `heidi@${DOMAIN}`],
};

export function googleSeed(): GoogleTenantSeed {
  return {
    domains: [DOMAIN],
    admins: [`admin@${DOMAIN}`],
    users: [...PEOPLE, ...STRANGERS].map((primaryEmail) => ({ primaryEmail })),
    groups: [
      { email: `all-staff@${DOMAIN}`, name: "All staff", members: [{ email: `alice@${DOMAIN}` }, { email: `bob@${DOMAIN}` }] },
      {
        email: `sales@${DOMAIN}`,
        name: "Sales",
        description: "Account executives",
        aliases: [`sales-team@${DOMAIN}`],
        settings: { whoCanPostMessage: "ANYONE_CAN_POST", messageModerationLevel: "MODERATE_NON_MEMBERS" },
        members: [
          { email: `alice@${DOMAIN}`, role: "OWNER" },
          { email: `carol@${DOMAIN}` },
          { email: `dave@${DOMAIN}` },
          { email: `sam@${DOMAIN}` },
          { email: EXTERNAL },
          { email: `all-staff@${DOMAIN}` },
        ],
      },
      {
        email: `support@${DOMAIN}`,
        name: "Support",
        members: [{ email: `erin@${DOMAIN}` }, { email: `frank@${DOMAIN}` }, { email: `tina@${DOMAIN}`, role: "MANAGER" }],
      },
    ],
  };
}

export function entraSeed(): EntraTenantSeed {
  return {
    users: [...ENTRA_USERS, { id: GUEST_ID, userPrincipalName: GUEST_UPN, mail: "gina@partner.com" }],
    servicePrincipals: [{ id: SERVICE_PRINCIPAL_ID, displayName: "deploy-bot" }],
    groups: [
      {
        id: entraId(101),
        displayName: "Sales",
        description: "Account executives",
        mailNickname: "sales",
        members: [uid(`alice@${DOMAIN}`), uid(`carol@${DOMAIN}`), uid(`dave@${DOMAIN}`), uid(`sam@${DOMAIN}`), GUEST_ID, SERVICE_PRINCIPAL_ID],
        owners: [uid(`alice@${DOMAIN}`)],
      },
      { id: entraId(102), displayName: "Support", mailNickname: "support", members: [uid(`erin@${DOMAIN}`), uid(`frank@${DOMAIN}`), uid(`tina@${DOMAIN}`)] },
      { id: entraId(103), displayName: "Ops", description: "On call", mailNickname: "ops", members: [uid(`bob@${DOMAIN}`), uid(`heidi@${DOMAIN}`)] },
    ],
  };
}

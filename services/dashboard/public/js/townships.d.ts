// Types of townships.js for the unit tests (the browser loads the .js directly).
export interface TownshipName {
  zh: string;
  en: string;
}
export function townshipNames(townships: {
  features: readonly { properties: { name: string; nameEn: string } }[];
}): Map<string, TownshipName>;
export function townshipName(
  names: Map<string, TownshipName> | null | undefined,
  zh: string | null | undefined,
): TownshipName;

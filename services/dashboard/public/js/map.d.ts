// Types of map.js's pure part for the unit tests (the browser loads the .js directly).
export interface StationLook {
  color: string;
  short: string;
  text: string;
  ring?: boolean;
}
// biome-ignore lint/suspicious/noExplicitAny: the API's network document, as the browser receives it
export function stationLook(app: any, station: any): StationLook;
export function escapeHtml(text: unknown): string;
// biome-ignore lint/suspicious/noExplicitAny: standards.json's noi, as the browser receives it
export function noiLegendHtml(noi: any): string;

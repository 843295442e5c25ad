// Types of label-placement.js for the unit tests (the browser loads the .js directly).
export interface Box {
  x: number;
  y: number;
  width: number;
  height: number;
}
export interface LabelItem {
  id: string;
  /** Marker centre (px). */
  x: number;
  y: number;
  /** Half the marker's size (px). */
  radius: number;
  /** Label box size (px). */
  width: number;
  height: number;
}
export interface PlacedLabel extends Box {
  leader: [[number, number], [number, number]] | null;
}
export const MAP_GEO_LAYOUT: { aspectScale: number; top: number; bottom: number };
export const STATION_SYMBOLS: Record<"air" | "water" | "noi", { symbol: string; size: number }>;
export const LABEL_TEXT: { fontSize: number; lineHeight: number; padding: [number, number] };
export const TOWNSHIP_TEXT: { fontSize: number };
export function lianduMapGeoJson(district: unknown, townships: unknown): unknown;
export function regionLabelPoint(geometry: { type: string; coordinates: unknown }): [number, number] | null;
export function boxesIntersect(a: Box, b: Box): boolean;
export function placeLabels(
  items: readonly LabelItem[],
  bounds: Box,
  options?: {
    gap?: number;
    spacing?: number;
    ringStep?: number;
    rings?: number;
    /** Boxes (px) the labels must keep clear of, e.g. the township names. */
    obstacles?: readonly Box[];
  },
): Map<string, PlacedLabel>;

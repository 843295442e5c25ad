// The network map's view settings and its station-label placement (no DOM): unit-tested in
// services/dashboard/src/label-placement.test.ts against the demo network.

/** The geo component's layout: the district fills the chart's height, less a margin. */
export const MAP_GEO_LAYOUT = { aspectScale: 0.88, top: 16, bottom: 16 };

/** Marker shape and size (px) by station kind. */
export const STATION_SYMBOLS = {
  air: { symbol: "circle", size: 16 },
  water: { symbol: "diamond", size: 15 },
  noi: { symbol: "triangle", size: 15 },
};

/** The station labels' text box: 12 px text, 14 px line, 1 px × 4 px padding. */
export const LABEL_TEXT = { fontSize: 12, lineHeight: 14, padding: [1, 4] };

/** The township names' text on the map: 11 px. */
export const TOWNSHIP_TEXT = { fontSize: 11 };

/**
 * The map ECharts draws: the district outline as one more region under the townships, each
 * township with its name's point (`cp`, which ECharts centres the name on) from `regionLabelPoint`,
 * so the station labels can keep clear of the names.
 */
export function lianduMapGeoJson(district, townships) {
  return {
    type: "FeatureCollection",
    features: [
      ...district.features.map((f) => ({ ...f, properties: { ...f.properties, name: "__district" } })),
      ...townships.features.map((f) => ({
        ...f,
        properties: { ...f.properties, cp: regionLabelPoint(f.geometry) },
      })),
    ],
  };
}

/**
 * Where a region's name goes, [lon, lat]: the area centroid of the exterior ring of its polygon
 * with the most points — ECharts' own choice for a GeoJSON region without `cp`.
 */
export function regionLabelPoint(geometry) {
  const rings =
    geometry.type === "Polygon"
      ? [geometry.coordinates[0]]
      : geometry.type === "MultiPolygon"
        ? geometry.coordinates.map((p) => p[0]).filter(Boolean)
        : [];
  let ring = null;
  for (const r of rings) if (!ring || r.length > ring.length) ring = r;
  if (!ring) return null;
  let area = 0;
  let cx = 0;
  let cy = 0;
  let [x0, y0] = ring[ring.length - 1];
  for (const [x1, y1] of ring) {
    const a = x0 * y1 - x1 * y0;
    area += a;
    cx += (x0 + x1) * a;
    cy += (y0 + y1) * a;
    x0 = x1;
    y0 = y1;
  }
  return area ? [cx / area / 3, cy / area / 3] : [ring[0][0], ring[0][1]];
}

/** Whether two boxes { x, y, width, height } share any area (touching edges do not). */
export function boxesIntersect(a, b) {
  return a.x < b.x + b.width && b.x < a.x + a.width && a.y < b.y + b.height && b.y < a.y + a.height;
}

// 16 directions, the classic right / left / above / below and diagonals first.
const DIRECTIONS = [
  0, 180, 270, 90, 315, 45, 225, 135, 337.5, 22.5, 202.5, 157.5, 292.5, 247.5, 67.5, 112.5,
].map((deg) => ({ x: Math.cos((deg * Math.PI) / 180), y: Math.sin((deg * Math.PI) / 180) }));

/**
 * Greedy label placement: each label takes the first free candidate around its marker — next to
 * it first (right, left, above, below, diagonals), then on rings further out, joined to the marker
 * by a leader line. A candidate is free when it stays inside `bounds`, covers no marker and no
 * label placed before it, and its leader crosses no placed label. The most crowded markers are
 * placed first, since they have the fewest free spots. Labels are never hidden: when nothing is
 * free, the candidate overlapping least is taken. A label always stays inside `bounds` (a
 * candidate crossing an edge is moved in, joined to its marker by a leader), unless it is bigger.
 * Labels keep `spacing` px apart. `obstacles` are boxes a label must not cover either (the
 * township names), nor its leader cross.
 *
 * @param items [{ id, x, y, radius, width, height }]: marker centre and half-size, label box size (px)
 * @param bounds { x, y, width, height } the labels must stay in
 * @returns Map id → { x, y, width, height, leader: [[x, y], [x, y]] | null }
 */
export function placeLabels(
  items,
  bounds,
  { gap = 3, spacing = 2, ringStep = 12, rings = 14, obstacles = [] } = {},
) {
  const markers = items.map((i) => ({
    x: i.x - i.radius,
    y: i.y - i.radius,
    width: 2 * i.radius,
    height: 2 * i.radius,
  }));
  const crowding = (item) =>
    items.filter(
      (o) => o !== item && Math.hypot(o.x - item.x, o.y - item.y) < 4 * (item.height + item.radius),
    ).length;
  const order = items
    .map((item, index) => ({ item, index, crowd: crowding(item) }))
    .sort((a, b) => b.crowd - a.crowd || a.index - b.index);
  const placed = [];
  const result = new Map();
  for (const { item } of order) {
    let best = null;
    for (let ring = 0; ring <= rings && !(best && best.cost === 0); ring++) {
      const distance = item.radius + gap + ring * ringStep;
      for (const dir of ring === 0 ? DIRECTIONS.slice(0, 8) : DIRECTIONS) {
        const at = boxAt(item, dir, distance);
        // Moved inside `bounds` first: however crowded the map (a phone's), no label is cut off.
        const box = insideBounds(at, bounds);
        const leader = box === at && ring === 0 ? null : leaderLine(item, box, gap);
        const cost = overlapCost(box, leader, bounds, markers, placed, spacing, obstacles);
        if (!best || cost < best.cost) best = { box, leader, cost };
        if (cost === 0) break;
      }
    }
    const label = { ...best.box, leader: best.leader };
    placed.push(label);
    result.set(item.id, label);
  }
  return result;
}

/** The label box whose side (or corner) faces the marker at `distance` along `dir`. */
function boxAt(item, dir, distance) {
  const side = (d) => (d > 0.2 ? 0 : d < -0.2 ? -1 : -0.5);
  const ax = item.x + dir.x * distance;
  const ay = item.y + dir.y * distance;
  return {
    x: ax + side(dir.x) * item.width,
    y: ay + side(dir.y) * item.height,
    width: item.width,
    height: item.height,
  };
}

/**
 * A candidate moved the least distance that puts it inside `bounds` (as far as it fits), so no
 * label is cut off at the map's edge, however crowded the map is.
 */
function insideBounds(box, bounds) {
  const shift = (at, size, from, room) => Math.max(from, Math.min(at, from + room - size)) - at;
  const dx = box.width <= bounds.width ? shift(box.x, box.width, bounds.x, bounds.width) : 0;
  const dy = box.height <= bounds.height ? shift(box.y, box.height, bounds.y, bounds.height) : 0;
  return dx === 0 && dy === 0 ? box : { ...box, x: box.x + dx, y: box.y + dy };
}

/** From the marker's edge to the nearest point of the label box; none when the box is beside the marker. */
function leaderLine(item, box, gap) {
  const nx = Math.min(Math.max(item.x, box.x), box.x + box.width);
  const ny = Math.min(Math.max(item.y, box.y), box.y + box.height);
  const length = Math.hypot(nx - item.x, ny - item.y);
  if (length <= item.radius + gap + 0.5) return null;
  const start = [
    item.x + ((nx - item.x) / length) * item.radius,
    item.y + ((ny - item.y) / length) * item.radius,
  ];
  return [start, [nx, ny]];
}

function overlapCost(box, leader, bounds, markers, placed, spacing, obstacles) {
  const spaced = {
    x: box.x - spacing,
    y: box.y - spacing,
    width: box.width + 2 * spacing,
    height: box.height + 2 * spacing,
  };
  let cost = 0;
  const outside =
    Math.max(0, bounds.x - box.x) +
    Math.max(0, box.x + box.width - bounds.x - bounds.width) +
    Math.max(0, bounds.y - box.y) +
    Math.max(0, box.y + box.height - bounds.y - bounds.height);
  cost += outside * 100;
  for (const other of placed) {
    cost += 10 * overlapArea(spaced, other);
    if (leader && segmentHitsBox(leader, other)) cost += 50;
    if (other.leader && segmentHitsBox(other.leader, box)) cost += 50;
  }
  for (const marker of markers) cost += 5 * overlapArea(box, marker);
  for (const obstacle of obstacles) {
    cost += 5 * overlapArea(spaced, obstacle);
    if (leader && segmentHitsBox(leader, obstacle)) cost += 20;
  }
  return cost;
}

function overlapArea(a, b) {
  const w = Math.min(a.x + a.width, b.x + b.width) - Math.max(a.x, b.x);
  const h = Math.min(a.y + a.height, b.y + b.height) - Math.max(a.y, b.y);
  return w > 0 && h > 0 ? w * h : 0;
}

/** Whether a segment passes through a box's interior (Liang–Barsky clipping). */
function segmentHitsBox([[x1, y1], [x2, y2]], box) {
  const dx = x2 - x1;
  const dy = y2 - y1;
  let enter = 0;
  let leave = 1;
  for (const [p, q] of [
    [-dx, x1 - box.x],
    [dx, box.x + box.width - x1],
    [-dy, y1 - box.y],
    [dy, box.y + box.height - y1],
  ]) {
    if (p === 0) {
      if (q <= 0) return false;
    } else {
      const r = q / p;
      if (p < 0) enter = Math.max(enter, r);
      else leave = Math.min(leave, r);
    }
  }
  return leave - enter > 1e-9;
}

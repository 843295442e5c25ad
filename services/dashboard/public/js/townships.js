// Township (乡镇街道) names in both languages. The one source is townships.geojson: each feature's
// `name` (Chinese, also the key ECharts and the stations' `township` use) and `nameEn` (pinyin).

/** Map Chinese name → { zh, en } from the townships GeoJSON (FeatureCollection). */
export function townshipNames(townships) {
  return new Map(
    townships.features.map((f) => [f.properties.name, { zh: f.properties.name, en: f.properties.nameEn }]),
  );
}

/**
 * The name of the township called `zh` in Chinese, as { zh, en } for `pick`; a name the GeoJSON
 * does not know stays as it is in both languages.
 */
export function townshipName(names, zh) {
  if (zh === null || zh === undefined) return { zh: "", en: "" };
  return names?.get(zh) ?? { zh, en: zh };
}

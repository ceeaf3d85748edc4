// The image of a course that has none, as core_renderer makes it (lib/outputrenderers.php):
// get_generated_color_for_id picks one of the theme's ten course colours from the id
// (coursecolor<id % 10 + 1>), get_generated_svg_for_id draws a pattern in it. Moodle's pattern is
// core_geopattern's; Gatehouse draws a plain tile in the same colour.

/** Moodle's default course colours (admin/settings/appearance.php, core_admin | coursecolor1…10), in order. */
export const COURSE_COLORS = [
  '#81ecec',
  '#74b9ff',
  '#a29bfe',
  '#dfe6e9',
  '#00b894',
  '#0984e3',
  '#b2bec3',
  '#fdcb6e',
  '#fd79a8',
  '#6c5ce7',
] as const;

/** The course's generated image, as SVG text. */
export function generatedCourseSvg(courseId: number): string {
  const color = COURSE_COLORS[courseId % 10] as string;
  return `<svg xmlns="http://www.w3.org/2000/svg" width="300" height="150"><rect width="300" height="150" fill="${color}"/></svg>`;
}

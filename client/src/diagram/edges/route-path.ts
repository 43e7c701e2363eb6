import type { Point } from '../diagram-types';

/** How far below the source / above the target an edge turns. */
const JOG = 14;
const RADIUS = 8;

/**
 * An orthogonal path from the source handle through the layout's waypoints to the
 * target handle: vertical runs at each waypoint's x, horizontal jogs just
 * below the source, between waypoints, and just above the target.
 */
export function routeCorners({ source, target, waypoints }: { source: Point; target: Point; waypoints: readonly Point[] }): Point[] {
  const columns = [source.x, ...waypoints.map((p) => p.x), target.x];
  const jogs: number[] = [];
  if (waypoints.length === 0) {
    jogs.push((source.y + target.y) / 2);
  } else {
    jogs.push(source.y + JOG);
    for (let i = 0; i + 1 < waypoints.length; i++) jogs.push(((waypoints[i]?.y ?? 0) + (waypoints[i + 1]?.y ?? 0)) / 2);
    jogs.push(target.y - JOG);
  }
  const corners: Point[] = [source];
  let x = source.x;
  for (let i = 1; i < columns.length; i++) {
    const nextX = columns[i] ?? x;
    if (Math.abs(nextX - x) < 1) continue;
    const y = jogs[i - 1] ?? (source.y + target.y) / 2;
    corners.push({ x, y }, { x: nextX, y });
    x = nextX;
  }
  if (Math.abs(x - target.x) >= 1) corners.push({ x, y: target.y - JOG }, { x: target.x, y: target.y - JOG });
  corners.push({ x: target.x, y: target.y });
  return corners;
}

/** SVG path through the corners with rounded turns. */
export function roundedPath(corners: readonly Point[]): string {
  if (corners.length === 0) return '';
  const first = corners[0] as Point;
  let d = `M ${first.x},${first.y}`;
  for (let i = 1; i < corners.length; i++) {
    const here = corners[i] as Point;
    const prev = corners[i - 1] as Point;
    const next = corners[i + 1];
    if (next === undefined) {
      d += ` L ${here.x},${here.y}`;
      break;
    }
    const r = Math.min(RADIUS, distance(prev, here) / 2, distance(here, next) / 2);
    const before = towards(here, prev, r);
    const after = towards(here, next, r);
    d += ` L ${before.x},${before.y} Q ${here.x},${here.y} ${after.x},${after.y}`;
  }
  return d;
}

/** Where along the route a label sits: the point half way along its length. */
export function midpoint(corners: readonly Point[]): Point {
  let total = 0;
  for (let i = 1; i < corners.length; i++) total += distance(corners[i - 1] as Point, corners[i] as Point);
  let remaining = total / 2;
  for (let i = 1; i < corners.length; i++) {
    const a = corners[i - 1] as Point;
    const b = corners[i] as Point;
    const length = distance(a, b);
    if (remaining <= length && length > 0) return towards(a, b, remaining);
    remaining -= length;
  }
  return corners[0] ?? { x: 0, y: 0 };
}

function distance(a: Point, b: Point): number {
  return Math.hypot(b.x - a.x, b.y - a.y);
}

function towards(from: Point, to: Point, length: number): Point {
  const d = distance(from, to);
  if (d === 0) return from;
  return { x: from.x + ((to.x - from.x) * length) / d, y: from.y + ((to.y - from.y) * length) / d };
}

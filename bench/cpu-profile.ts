// A V8 CPU profile (`node --cpu-prof`) of the service, cut to the measured
// window of one phase, and a first summary of it per request. The profile
// covers the whole process life; its timestamps are CLOCK_MONOTONIC
// microseconds, the clock of process.hrtime in every process on the machine,
// so the bench's own readings of that clock mark the window in it.

interface CallFrame {
  functionName: string;
  url: string;
  scriptId: string;
  lineNumber: number;
  columnNumber: number;
}

interface ProfileNode {
  id: number;
  callFrame: CallFrame;
  hitCount?: number;
  children?: number[];
  positionTicks?: { line: number; ticks: number }[];
}

/** The .cpuprofile format (Chrome DevTools' Profiler.Profile). */
export interface CpuProfile {
  nodes: ProfileNode[];
  startTime: number;
  endTime: number;
  samples: number[];
  timeDeltas: number[];
}

export interface PlaceCost {
  /** A package, a node: module, a file of the service, or one of V8's pseudo-frames such as (garbage collector). */
  place: string;
  /** Self time on the main thread, µs per request. */
  microsPerRequest: number;
}

/** The samples of [from, to] only (µs on the profile's clock); line ticks are dropped, as they count the whole profile. */
export function trimProfile(profile: CpuProfile, from: number, to: number): CpuProfile {
  const samples: number[] = [];
  const timeDeltas: number[] = [];
  const hits = new Map<number, number>();
  let time = profile.startTime;
  let previous = from;
  profile.samples.forEach((node, index) => {
    time += profile.timeDeltas[index];
    if (time < from || time > to) return;
    samples.push(node);
    timeDeltas.push(time - previous);
    previous = time;
    hits.set(node, (hits.get(node) ?? 0) + 1);
  });
  const nodes = profile.nodes.map(({ positionTicks: _dropped, ...node }) => ({ ...node, hitCount: hits.get(node.id) ?? 0 }));
  return { nodes, startTime: from, endTime: to, samples, timeDeltas };
}

/** Where a frame's self time is put: grouped by package, node module, or file of the service. */
function placeOf({ functionName, url }: CallFrame): string {
  if (!url) return functionName.startsWith('(') ? functionName : `(native) ${functionName}`;
  const inPackage = /.*\/node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (inPackage) return inPackage[1];
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const inService = /\/dist\/(.+)$/.exec(url);
  return inService ? `service: ${inService[1]}` : url;
}

/** Each sample stands for the time until the next one. */
export function costByPlace(profile: CpuProfile, requests: number): { busyMicrosPerRequest: number; places: PlaceCost[] } {
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const micros = new Map<string, number>();
  profile.samples.forEach((id, index) => {
    const node = byId.get(id);
    if (!node) return;
    const place = placeOf(node.callFrame);
    const next = profile.timeDeltas[index + 1] ?? profile.endTime - profile.startTime - profile.timeDeltas.reduce((sum, delta) => sum + delta, 0);
    micros.set(place, (micros.get(place) ?? 0) + Math.max(0, next));
  });
  const places = [...micros]
    .filter(([place]) => place !== '(idle)')
    .map(([place, total]) => ({ place, microsPerRequest: Math.round((total / requests) * 10) / 10 }))
    .sort((a, b) => b.microsPerRequest - a.microsPerRequest);
  const busy = places.reduce((sum, { microsPerRequest }) => sum + microsPerRequest, 0);
  return { busyMicrosPerRequest: Math.round(busy), places };
}

/**
 * Solomon and Gehring & Homberger VRPTW instances, their published route files and best-known-solution tables, read
 * from the benchmark data vendored in `bench/vrptw/data/` (its README gives the formats and the sources).
 */
import { readFileSync } from 'node:fs';
import { fileURLToPath } from 'node:url';
import type { Job, Plan, Problem, Vehicle } from '#shared/scheduling/problem.ts';

/** The benchmark data directory, with a trailing slash: `<repo>/bench/vrptw/data/`. */
export const dataDirectory = fileURLToPath(new URL('./data/', import.meta.url));

/** One row of the customer table; node 0 is the depot, whose `due` closes the horizon. */
export interface Node {
  id: number;
  x: number;
  y: number;
  demand: number;
  /** Earliest and latest start of service. */
  ready: number;
  due: number;
  service: number;
}

/** A parsed instance: `nodes[i].id === i`, so a customer number is also its index. */
export interface Instance {
  name: string;
  /** Fleet size K. */
  vehicles: number;
  /** Vehicle capacity Q. */
  capacity: number;
  nodes: Node[];
}

/** Best-known figures for one instance. */
export interface Bks {
  vehicles: number;
  distance: number;
}

const lines = (text: string) => text.split(/\r?\n/).map((line) => line.trim());

// Rows are parsed as numbers, not integers: other copies of these files carry fractional coordinates.
const numbers = (line: string) => line.split(/\s+/).map(Number);

/**
 * Parses a Solomon/Homberger instance: name on the first line, `K Q` after `VEHICLE`, one
 * `id x y demand ready due service` row per node after `CUSTOMER`. Tolerates CRLF and trailing spaces; throws on
 * anything else it does not recognise, so a truncated file never becomes a smaller instance.
 */
export function parseInstance(text: string): Instance {
  const all = lines(text);
  const name = all.find((line) => line !== '');
  const vehicleAt = all.indexOf('VEHICLE');
  const customerAt = all.indexOf('CUSTOMER');
  if (name === undefined || vehicleAt < 0 || customerAt < vehicleAt) {
    throw new Error('not a Solomon/Homberger instance: expected a name, then VEHICLE, then CUSTOMER sections');
  }
  const fleet = all
    .slice(vehicleAt + 1, customerAt)
    .map(numbers)
    .find((row) => row.length === 2 && row.every(Number.isFinite));
  if (fleet === undefined) throw new Error(`${name}: no "K Q" row in the VEHICLE section`);
  const [vehicles, capacity] = fleet as [number, number];

  const nodes: Node[] = [];
  // The first line after CUSTOMER is the column header; blank lines are padding.
  for (const line of all.slice(customerAt + 2)) {
    if (line === '') continue;
    const row = numbers(line);
    if (row.length !== 7 || !row.every(Number.isFinite)) throw new Error(`${name}: bad customer row "${line}"`);
    const [id, x, y, demand, ready, due, service] = row as [number, number, number, number, number, number, number];
    // Customer numbers double as indexes everywhere (routes, evaluator), so they must be 0..n in file order.
    if (id !== nodes.length) throw new Error(`${name}: expected customer ${nodes.length}, found ${id}`);
    nodes.push({ id, x, y, demand, ready, due, service });
  }
  if (nodes.length < 2) throw new Error(`${name}: needs a depot and at least one customer`);
  return { name, vehicles, capacity, nodes };
}

/** Reads and parses an instance file. */
export function readInstance(path: string): Instance {
  return parseInstance(readFileSync(path, 'utf8'));
}

/**
 * The instance as the solver sees it: one location per node, distance = duration = Euclidean in double precision
 * (one shared matrix), a job per customer with the customer number as its id, and K identical vehicles based at the
 * depot for its whole horizon.
 */
export function toProblem(instance: Instance): Problem {
  const { nodes } = instance;
  const size = nodes.length;
  const distance = new Float64Array(size * size);
  for (let from = 0; from < size; from++) {
    const a = nodes[from] as Node;
    for (let to = 0; to < size; to++) {
      const b = nodes[to] as Node;
      const dx = a.x - b.x;
      const dy = a.y - b.y;
      distance[from * size + to] = Math.sqrt(dx * dx + dy * dy);
    }
  }
  const jobs: Job[] = nodes.slice(1).map((node) => ({
    id: String(node.id),
    location: node.id,
    service: node.service,
    ready: node.ready,
    due: node.due,
    demand: node.demand,
  }));
  const depot = nodes[0] as Node;
  const vehicles: Vehicle[] = Array.from({ length: instance.vehicles }, (_, k) => ({
    id: String(k + 1),
    start: 0,
    end: 0,
    shiftStart: depot.ready,
    shiftEnd: depot.due,
    capacity: instance.capacity,
  }));
  return { size, distance, duration: distance, jobs, vehicles };
}

/**
 * A plan's routes as customer numbers in visit order, read back through the job ids `toProblem` gave, so the
 * evaluator judges what the solver returned and not what it meant. An unknown job index becomes NaN, which the
 * evaluator reports.
 */
export function customerRoutes(problem: Problem, plan: Plan): number[][] {
  return plan.routes.map((route) => route.jobs.map((job) => Number(problem.jobs[job]?.id)));
}

/**
 * Parses a route file: the `Route k: c1 c2 ...` lines of `solomon-solutions/*.sol` or `Route  k : ...` of the
 * Homberger `.sintef.txt` files; everything else (comments, headers) is ignored. Customer numbers as in the
 * instance, depot implicit at both ends; routes without customers are dropped.
 */
export function parseSolution(text: string): number[][] {
  const routes: number[][] = [];
  for (const line of lines(text)) {
    const match = /^Route\s*\d+\s*:(.*)$/i.exec(line);
    if (!match) continue;
    const customers = (match[1] ?? '').trim();
    if (customers === '') continue;
    const route = numbers(customers);
    if (!route.every(Number.isInteger)) throw new Error(`bad route "${line}"`);
    routes.push(route);
  }
  return routes;
}

/** Reads a BKS table (`instance,vehicles,distance,...` with a header row) into a map keyed by instance name. */
export function readBks(csvPath: string): Map<string, Bks> {
  const [header = '', ...rows] = lines(readFileSync(csvPath, 'utf8')).filter((line) => line !== '');
  const columns = header.split(',');
  const at = (column: string) => {
    const index = columns.indexOf(column);
    if (index < 0) throw new Error(`${csvPath}: no "${column}" column`);
    return index;
  };
  const [instance, vehicles, distance] = [at('instance'), at('vehicles'), at('distance')];
  // An empty cell (the trunc1 tables leave vehicles blank) is unknown, not zero.
  const number = (cell: string | undefined) => (cell === undefined || cell === '' ? Number.NaN : Number(cell));
  const table = new Map<string, Bks>();
  for (const row of rows) {
    const cells = row.split(',');
    const name = cells[instance];
    if (name) table.set(name, { vehicles: number(cells[vehicles]), distance: number(cells[distance]) });
  }
  return table;
}

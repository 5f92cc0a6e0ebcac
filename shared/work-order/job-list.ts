import { listBoard, listByCustomer, listByEngineer, type WorkOrderRecord } from '../db/work-orders.ts';
import { terminalStatuses } from './lifecycle.ts';
import type { Priority, Status } from './model.ts';

export interface JobListQuery {
  status?: Status;
  priority?: Priority;
  engineerId?: string;
  customerId?: string;
  from?: string;
  to?: string;
  limit: number;
  cursor?: string;
}

/** The dispatch board's order: priority tier first (P1 on top), then SLA due time. */
export const byBoardOrder = (
  a: Pick<WorkOrderRecord, 'priority' | 'slaDueAt'>,
  b: Pick<WorkOrderRecord, 'priority' | 'slaDueAt'>,
) => a.priority.localeCompare(b.priority) || a.slaDueAt.localeCompare(b.slaDueAt);

/**
 * The office's job list. Without a customer or engineer it reads the dispatch board index, already in board
 * order (open work, or finished work when asking for a finished status); a customer's or an engineer's jobs are
 * read from their own index and put in board order.
 */
export async function listJobs(query: JobListQuery): Promise<{ items: WorkOrderRecord[]; nextCursor: string | null }> {
  const keep = (record: WorkOrderRecord) =>
    (!query.status || record.status === query.status) &&
    (!query.priority || record.priority === query.priority) &&
    (!query.from || record.loggedAt >= query.from) &&
    (!query.to || record.loggedAt < query.to);
  if (query.engineerId) {
    const items = (await listByEngineer(query.engineerId)).filter(keep).sort(byBoardOrder);
    return { items: items.slice(0, query.limit), nextCursor: null };
  }
  if (query.customerId) {
    const page = await listByCustomer(query.customerId, query);
    return { items: page.items.filter(keep).sort(byBoardOrder), nextCursor: page.nextCursor };
  }
  const board = query.status && terminalStatuses.includes(query.status) ? 'done' : 'open';
  const page = await listBoard(board, query);
  return { items: page.items.filter(keep), nextCursor: page.nextCursor };
}

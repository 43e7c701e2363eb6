/**
 * Counters of the browser sockets, for tests and benchmarks: what a subscriber costs is measured
 * here (journal reads, slow-consumer closes) rather than guessed from the process's memory.
 */
export type LiveStats = {
  /** Browser sockets open now. */
  sockets: number;
  /** Range reads of the journal for browser sockets (replay pages and gap fills), and the events they returned. */
  journalReads: number;
  eventsRead: number;
  /** Sockets closed with 4008, and sockets ended by terminate() (no drain in the grace period, missed heartbeat). */
  slowClosed: number;
  terminated: number;
};

export const createLiveStats = (): LiveStats => ({ sockets: 0, journalReads: 0, eventsRead: 0, slowClosed: 0, terminated: 0 });
